import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';

/** sha256 (hex) of a file, streamed: kernels are 65 MB. */
export async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

const cache = new Map<string, string>();

/**
 * sha256 of a file that rarely changes (the configured PV kernel), hashed once per process:
 * cached by path, mtime and size, so a replaced kernel is hashed again.
 */
export async function hashFileCached(path: string): Promise<string> {
  const st = await stat(path);
  const key = `${path}\0${st.mtimeMs}\0${st.size}`;
  const known = cache.get(key);
  if (known) return known;
  const sha = await hashFile(path);
  cache.set(key, sha);
  return sha;
}
