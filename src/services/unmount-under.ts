import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** Mount points at or under `root`, deepest first (from /proc/self/mountinfo, octal escapes decoded). */
export function mountsUnder(root: string): string[] {
  const base = resolve(root);
  let info: string;
  try {
    info = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return [];
  }
  const points = info.split('\n').flatMap((line) => {
    const field = line.split(' ')[4];
    if (!field) return [];
    const point = field.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    return point === base || point.startsWith(`${base}/`) ? [point] : [];
  });
  return [...new Set(points)].sort((a, b) => b.split('/').length - a.split('/').length || b.length - a.length);
}

/**
 * Unmounts what a stopped engine left under `root` (its netns `nsfs`, the bind mount of its
 * data root, overlay mounts after a kill), deepest first, so the folder can be removed.
 * Call it only once the engine has exited. Returns what could not be unmounted.
 */
export function unmountUnder(root: string): string[] {
  for (let pass = 0; pass < 3; pass++) {
    const points = mountsUnder(root);
    if (points.length === 0) return [];
    for (const point of points) {
      if (spawnSync('umount', [point], { stdio: 'ignore' }).status !== 0) spawnSync('umount', ['-l', point], { stdio: 'ignore' });
    }
  }
  return mountsUnder(root);
}
