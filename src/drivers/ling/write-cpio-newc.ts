/** One entry of an initramfs. `path` is relative (`bin/busybox`), `/`-separated, without `.` or `..` parts. */
export type CpioEntry =
  | { path: string; kind: 'dir'; mode?: number }
  | { path: string; kind: 'file'; mode: number; data: Buffer }
  | { path: string; kind: 'symlink'; target: string }
  | { path: string; kind: 'char'; mode: number; major: number; minor: number };

const TYPE_BITS = { dir: 0o040000, file: 0o100000, symlink: 0o120000, char: 0o020000 } as const;

/**
 * The SVR4 "newc" cpio archive the Linux kernel unpacks as an initramfs
 * (Documentation/driver-api/early-userspace/buffer-format.rst). Reproducible by construction:
 * entries sorted by path with every parent directory added before its children, inode numbers
 * counted from 1 in that order, uid/gid 0 and mtime 0, so the same entries give the same bytes.
 * A path given twice is a programming error and throws.
 */
export function writeCpioNewc(entries: readonly CpioEntry[]): Buffer {
  const byPath = new Map<string, CpioEntry>();
  for (const entry of entries) {
    checkPath(entry.path);
    if (byPath.has(entry.path)) throw new Error(`cpio: ${entry.path} given twice`);
    byPath.set(entry.path, entry);
  }
  for (const path of [...byPath.keys()]) {
    for (let cut = path.lastIndexOf('/'); cut > 0; cut = path.lastIndexOf('/', cut - 1)) {
      const parent = path.slice(0, cut);
      const existing = byPath.get(parent);
      if (existing && existing.kind !== 'dir') throw new Error(`cpio: ${parent} is not a directory`);
      if (!existing) byPath.set(parent, { path: parent, kind: 'dir' });
    }
  }
  const sorted = [...byPath.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const parts: Buffer[] = [];
  sorted.forEach((entry, i) => {
    parts.push(...record(entry.path, i + 1, modeOf(entry), dataOf(entry), entry.kind === 'char' ? entry : undefined));
  });
  parts.push(...record('TRAILER!!!', 0, 0, Buffer.alloc(0)));
  return Buffer.concat(parts);
}

function checkPath(path: string): void {
  const parts = path.split('/');
  if (!path || parts.some((p) => p === '' || p === '.' || p === '..') || path.includes('\0')) {
    throw new Error(`cpio: bad path ${JSON.stringify(path)}`);
  }
}

function modeOf(entry: CpioEntry): number {
  switch (entry.kind) {
    case 'dir':
      return TYPE_BITS.dir | (entry.mode ?? 0o755);
    case 'symlink':
      return TYPE_BITS.symlink | 0o777;
    default:
      return TYPE_BITS[entry.kind] | (entry.mode & 0o7777);
  }
}

function dataOf(entry: CpioEntry): Buffer {
  if (entry.kind === 'file') return entry.data;
  if (entry.kind === 'symlink') return Buffer.from(entry.target);
  return Buffer.alloc(0);
}

const pad4 = (n: number) => Buffer.alloc((4 - (n % 4)) % 4);

function record(name: string, ino: number, mode: number, data: Buffer, dev?: { major: number; minor: number }): Buffer[] {
  const nameBytes = Buffer.from(`${name}\0`);
  const isDir = (mode & 0o170000) === TYPE_BITS.dir;
  const fields = [ino, mode, 0, 0, isDir ? 2 : 1, 0, data.length, 0, 0, dev?.major ?? 0, dev?.minor ?? 0, nameBytes.length, 0];
  const header = Buffer.from(`070701${fields.map((f) => f.toString(16).padStart(8, '0')).join('')}`, 'ascii');
  return [header, nameBytes, pad4(header.length + nameBytes.length), data, pad4(data.length)];
}
