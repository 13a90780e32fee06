/** CSI (`ESC [ … final`), OSC (`ESC ] … BEL|ST`) and two-character ESC sequences. */
const ANSI = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[@-Z\\-_]|\u009b[0-?]*[ -/]*[@-~]/g;

/**
 * `text` without terminal escape sequences. Chat cannot show colours anyway, and a secret
 * printed with a colour code between its characters must still be found by the masker.
 */
export function stripAnsi(text: string): string {
  return text.includes('\u001b') || text.includes('\u009b') ? text.replace(ANSI, '') : text;
}
