/** Longest command text accepted, in characters. Longer input is refused before any parsing. */
export const MAX_COMMAND_CHARS = 1000;
/** Most tokens a command may have. */
export const MAX_TOKENS = 32;

export type TokenizeResult = { ok: true; tokens: string[] } | { ok: false; problem: string };

/**
 * Splits command text into words. Double or single quotes group words; there are no escapes,
 * variables or globbing: the tokens are data, never handed to a shell.
 */
export function tokenize(text: string): TokenizeResult {
  if (text.length > MAX_COMMAND_CHARS) {
    return { ok: false, problem: `the command is ${text.length} characters long; the limit is ${MAX_COMMAND_CHARS}` };
  }
  // eslint-disable-next-line no-control-regex
  const control = /[\u0000-\u0008\u000b-\u001f\u007f]/.exec(text);
  if (control)
    return {
      ok: false,
      problem: `the command contains a control character (U+${control[0].charCodeAt(0).toString(16).padStart(4, '0').toUpperCase()}); type plain text`,
    };
  const tokens: string[] = [];
  let current = '';
  let inToken = false;
  let quote: string | null = null;
  for (const ch of text.normalize('NFC')) {
    if (quote) {
      if (ch === quote) quote = null;
      else current += ch;
    } else if (ch === '"' || ch === "'" || ch === '\u201c' || ch === '\u201d') {
      quote = ch === '\u201c' ? '\u201d' : ch;
      inToken = true;
    } else if (/\s/u.test(ch)) {
      if (inToken) tokens.push(current);
      current = '';
      inToken = false;
    } else {
      current += ch;
      inToken = true;
    }
  }
  if (quote)
    return {
      ok: false,
      problem: `a quote (${quote}) is never closed; close it, or leave it out (quotes only group words, e.g. lock hello "db migration")`,
    };
  if (inToken) tokens.push(current);
  if (tokens.length > MAX_TOKENS) return { ok: false, problem: `the command has ${tokens.length} words; the limit is ${MAX_TOKENS}` };
  return { ok: true, tokens };
}
