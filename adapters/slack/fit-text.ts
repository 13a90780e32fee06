/**
 * Length limits on Slack text are counted in characters; JavaScript counts UTF-16 units, which
 * is never fewer, so staying within `max` units is always within Slack's limit. Cuts happen on
 * code-point boundaries (a surrogate pair is never split) and never inside an `&amp;` entity.
 */

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

/** Escapes the three characters Slack's mrkdwn and plain text treat as control characters. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/[&<>]/g, (c) => ESCAPES[c]!);
}

/** The head of `text`, escaped, in at most `max` units; `…` marks a cut. */
export function fitHead(text: string, max: number, escaped = true): string {
  const out: string[] = [];
  let size = 0;
  const whole = escaped ? escapeMrkdwn(text) : text;
  if (whole.length <= max) return whole;
  for (const ch of text) {
    const piece = escaped ? (ESCAPES[ch] ?? ch) : ch;
    if (size + piece.length > max - 1) break;
    out.push(piece);
    size += piece.length;
  }
  return `${out.join('')}…`;
}

/** The tail of `text`, escaped, in at most `max` units; a leading `…` marks a cut. */
export function fitTail(text: string, max: number, escaped = true): string {
  const whole = escaped ? escapeMrkdwn(text) : text;
  if (whole.length <= max) return whole;
  const out: string[] = [];
  let size = 0;
  const chars = Array.from(text);
  for (let i = chars.length - 1; i >= 0; i--) {
    const piece = escaped ? (ESCAPES[chars[i]!] ?? chars[i]!) : chars[i]!;
    if (size + piece.length > max - 1) break;
    out.push(piece);
    size += piece.length;
  }
  return `…${out.reverse().join('')}`;
}

/** Splits text into chunks of at most `max` units (escaped), on line breaks where it can. */
export function splitLines(text: string, max: number): string[] {
  const chunks: string[] = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = fitHead(raw, max);
    const joined = current === '' ? line : `${current}\n${line}`;
    if (joined.length <= max) current = joined;
    else {
      chunks.push(current);
      current = line;
    }
  }
  if (current !== '' || chunks.length === 0) chunks.push(current);
  return chunks;
}

/** Like fitTail, but a cut drops the partial first line, so the excerpt starts on a whole line. */
export function fitTailLines(text: string, max: number): string {
  const tail = fitTail(text, max);
  if (!tail.startsWith('…')) return tail;
  const nl = tail.indexOf('\n');
  return nl === -1 ? tail : `…${tail.slice(nl)}`;
}
