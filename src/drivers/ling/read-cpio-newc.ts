/** One record of a newc cpio archive as the kernel would see it. */
export interface CpioRecord {
  path: string;
  /** The full st_mode: type bits and permissions. */
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  rdevMajor: number;
  rdevMinor: number;
  data: Buffer;
}

/**
 * Reads a newc ("070701") cpio archive up to its `TRAILER!!!`: what an image holds, for the
 * tests and for a human checking an image. Throws on anything that is not newc.
 */
export function readCpioNewc(archive: Buffer): CpioRecord[] {
  const out: CpioRecord[] = [];
  let at = 0;
  for (;;) {
    const magic = archive.toString('ascii', at, at + 6);
    if (magic !== '070701') throw new Error(`cpio: bad magic ${JSON.stringify(magic)} at ${at}`);
    const field = (i: number) => Number.parseInt(archive.toString('ascii', at + 6 + i * 8, at + 14 + i * 8), 16);
    const [mode, uid, gid, mtime, size, rdevMajor, rdevMinor, nameSize] = [1, 2, 3, 5, 6, 9, 10, 11].map(field) as [
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    const nameStart = at + 110;
    const path = archive.toString('utf8', nameStart, nameStart + nameSize - 1);
    const dataStart = align4(nameStart + nameSize);
    if (path === 'TRAILER!!!') return out;
    if (dataStart + size > archive.length) throw new Error(`cpio: ${path} runs past the end`);
    out.push({ path, mode, uid, gid, mtime, rdevMajor, rdevMinor, data: archive.subarray(dataStart, dataStart + size) });
    at = align4(dataStart + size);
  }
}

const align4 = (n: number) => (n + 3) & ~3;
