import { randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Where the per-install token of the local API lives. */
export const localTokenFile = (dataDir: string) => join(resolve(dataDir), 'local-token');

/**
 * The local API's per-install token: made at first start in the data dir (mode 0600, readable
 * by this user only) and kept across restarts. The CLI reads it; the web page gets it as a
 * cookie from the address voxoz prints at start.
 */
export function ensureLocalToken(dataDir: string): string {
  const file = localTokenFile(dataDir);
  const existing = readLocalToken(dataDir);
  if (existing) {
    if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
    return existing;
  }
  mkdirSync(resolve(dataDir), { recursive: true, mode: 0o700 });
  const token = randomBytes(24).toString('base64url');
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return token;
}

/** The token in the data dir, or undefined when voxoz has not made one there. */
export function readLocalToken(dataDir: string): string | undefined {
  try {
    const token = readFileSync(localTokenFile(dataDir), 'utf8').trim();
    return token.length >= 16 ? token : undefined;
  } catch {
    return undefined;
  }
}

/** Constant-time comparison, so the token cannot be guessed byte by byte from response times. */
export function sameToken(given: string | undefined, token: string): boolean {
  if (!given) return false;
  const [a, b] = [Buffer.from(given), Buffer.from(token)];
  return a.length === b.length && timingSafeEqual(a, b);
}
