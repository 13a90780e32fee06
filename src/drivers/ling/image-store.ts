import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../core/user-error.ts';
import type { LingImage } from './ling-types.ts';

/** What a stored image boots with besides its own bytes. */
export interface StoredImage {
  sha256: string;
  builder: LingImage['builder'];
  path: string;
  extra: string;
  memory: number;
  kernelPath?: string;
  kernelSha256?: string;
}

/**
 * The worker's copy of every image a release may need again (a rollback, a new host):
 * `<dir>/<app>/<sha256>.img` and `<sha256>.json` (per app, so retention of one app never deletes another's). Xen hosts keep their own copies, content-addressed.
 */
export interface ImageStore {
  keep(app: string, image: LingImage): StoredImage;
  get(app: string, sha256: string): StoredImage;
  /** Deletes the images whose hashes are not in `keep`; returns those deleted. */
  prune(app: string, keep: ReadonlySet<string>): string[];
}

const SHA = /^[0-9a-f]{64}$/;
const bare = (id: string) => id.replace(/^sha256:/, '');

export function createImageStore(root: string): ImageStore {
  return {
    keep(app, image) {
      const dir = join(root, app);
      mkdirSync(dir, { recursive: true });
      const path = join(dir, `${image.sha256}.img`);
      if (!existsSync(path)) renameSync(image.imagePath, path);
      const stored: StoredImage = {
        sha256: image.sha256,
        builder: image.builder,
        path,
        extra: image.extra,
        memory: image.memory,
        ...(image.kernelPath ? { kernelPath: image.kernelPath, kernelSha256: image.kernelSha256 } : {}),
      };
      writeFileSync(join(dir, `${image.sha256}.json`), JSON.stringify(stored));
      return stored;
    },
    get(app, id) {
      const dir = join(root, app);
      const sha = bare(id);
      const meta = join(dir, `${sha}.json`);
      if (!SHA.test(sha) || !existsSync(meta) || !existsSync(join(dir, `${sha}.img`)))
        throw new UserError(
          'image_missing',
          `the image ${sha.slice(0, 12)} is no longer kept on this worker (${dir}); deploy again to build it anew`,
        );
      return JSON.parse(readFileSync(meta, 'utf8')) as StoredImage;
    },
    prune(app, keep) {
      const dir = join(root, app);
      if (!existsSync(dir)) return [];
      const kept = new Set([...keep].map(bare));
      const gone: string[] = [];
      for (const f of readdirSync(dir).filter((n) => n.endsWith('.img'))) {
        const sha = f.slice(0, -4);
        if (kept.has(sha)) continue;
        rmSync(join(dir, f), { force: true });
        rmSync(join(dir, `${sha}.json`), { force: true });
        gone.push(sha);
      }
      return gone;
    },
  };
}

/** sha256 of a file, hex; cached by path, size and mtime (kernels are tens of MB). */
const hashes = new Map<string, { key: string; sha: string }>();
export function sha256File(path: string): string {
  const s = statSync(path);
  const key = `${s.size}:${s.mtimeMs}`;
  const hit = hashes.get(path);
  if (hit?.key === key) return hit.sha;
  const sha = createHash('sha256').update(readFileSync(path)).digest('hex');
  hashes.set(path, { key, sha });
  return sha;
}
