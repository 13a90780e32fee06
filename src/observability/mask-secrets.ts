/** Shortest secret value that is masked; shorter ones would mask ordinary words. */
const MIN_SECRET_LENGTH = 4;

/**
 * Returns a function that replaces every occurrence of any of the given secret values with
 * `••••`. Applied where log lines are written to a job's stream, so no unmasked secret is
 * stored or relayed to chat.
 */
export function createMasker(secrets: Iterable<string>): (text: string) => string {
  const values = [...new Set([...secrets].filter((s) => s.length >= MIN_SECRET_LENGTH))].sort((a, b) => b.length - a.length);
  const pattern = values.length > 0 ? new RegExp(values.map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g') : undefined;
  // Credentials inside URLs (https://user:token@host/…) are masked whether or not they are declared.
  return (text) => (pattern ? text.replace(pattern, '••••') : text).replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@]*:)[^\s/@]+@/gi, '$1••••@');
}
