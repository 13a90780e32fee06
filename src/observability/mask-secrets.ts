import { MIN_SECRET_LENGTH } from './check-secret.ts';
import { redactUrls } from './display-url.ts';
import { secretVariants } from './secret-variants.ts';
import { stripAnsi } from './strip-ansi.ts';

const MASK = '••••';
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Returns a function that makes a text safe to store and relay: terminal escape codes are
 * removed, the userinfo of every URL is dropped (declared or not), and each secret value, in
 * every form `secretVariants` knows (JSON, URL, base64, the lines of a multi-line secret), is
 * replaced by `••••`. Values shorter than MIN_SECRET_LENGTH are skipped here: they are refused
 * as config errors before they get this far. Applied where log lines are written to a job's
 * stream (which masks whole lines, after joining output chunks), so no unmasked secret is
 * stored or relayed to chat.
 */
export function createMasker(secrets: Iterable<string>): (text: string) => string {
  const anywhere = new Set<string>();
  const wholeLine = new Set<string>();
  for (const secret of new Set(secrets)) {
    if (secret.length < MIN_SECRET_LENGTH) continue;
    const variants = secretVariants(secret);
    for (const v of variants.anywhere) anywhere.add(v);
    for (const v of variants.wholeLine) wholeLine.add(v);
  }
  const values = [...anywhere].sort((a, b) => b.length - a.length);
  const pattern = values.length > 0 ? new RegExp(values.map(escapeRegExp).join('|'), 'g') : undefined;
  const maskLines = (text: string) =>
    wholeLine.size === 0
      ? text
      : text
          .split('\n')
          .map((line) => (wholeLine.has(line.trim()) ? MASK : line))
          .join('\n');
  return (text) => {
    const plain = redactUrls(stripAnsi(text));
    return maskLines(pattern ? plain.replace(pattern, MASK) : plain);
  };
}

/**
 * The masker of the secrets `secrets()` returns now: made again only when they change (making one
 * for every job cost ~56 µs with five secrets).
 */
export function currentMasker(secrets: () => string[]): () => (text: string) => string {
  let made: { joined: string; mask: (text: string) => string } | undefined;
  return () => {
    const now = secrets();
    const joined = now.join('\0');
    if (made?.joined !== joined) made = { joined, mask: createMasker(now) };
    return made.mask;
  };
}
