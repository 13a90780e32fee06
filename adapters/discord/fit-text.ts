/**
 * Cutting text to Discord's limits. Limits are counted in UTF-16 units (JavaScript's
 * `length`, never fewer than Discord's count); cuts fall on code-point boundaries, so a
 * surrogate pair (emoji, rare CJK) is never split. `…` marks a cut.
 */

/** The head of `text` in at most `max` units. */
export function fitHead(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 0) return '';
  let out = '';
  for (const ch of text) {
    if (out.length + ch.length > max - 1) break;
    out += ch;
  }
  return `${out}…`;
}

/** The tail of `text` in at most `max` units (the newest log lines matter most). */
export function fitTail(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 0) return '';
  const chars = Array.from(text);
  let size = 0;
  let i = chars.length;
  while (i > 0 && size + chars[i - 1]!.length <= max - 1) size += chars[--i]!.length;
  return `…${chars.slice(i).join('')}`;
}

/** Keeps text from closing or opening a code fence it sits in. */
export const defuseFences = (text: string) => text.replace(/```/g, "'''");
