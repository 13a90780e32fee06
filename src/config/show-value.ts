import { redactUrls } from '../observability/display-url.ts';

/** Shows a value in an error message, short and unambiguous (a URL without its userinfo). */
export function showValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = redactUrls(JSON.stringify(value) ?? String(value));
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
