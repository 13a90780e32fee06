import { describe, expect, it } from 'vitest';
import { readCpioNewc } from '../../src/drivers/ling/read-cpio-newc.ts';
import { writeCpioNewc } from '../../src/drivers/ling/write-cpio-newc.ts';

describe('writeCpioNewc', () => {
  const archive = writeCpioNewc([
    { path: 'usr/lib/x', kind: 'file', mode: 0o755, data: Buffer.from('abcde') },
    { path: 'init', kind: 'file', mode: 0o755, data: Buffer.from('#!/bin/sh\n') },
    { path: 'bin/sh', kind: 'symlink', target: 'busybox' },
    { path: 'dev/console', kind: 'char', mode: 0o600, major: 5, minor: 1 },
    { path: 'tmp', kind: 'dir', mode: 0o1777 },
  ]);

  it('writes newc records the kernel can unpack: parents first, sorted, owned by root at time 0', () => {
    const records = readCpioNewc(archive);
    expect(records.map((r) => [r.path, r.mode.toString(8)])).toEqual([
      ['bin', '40755'],
      ['bin/sh', '120777'],
      ['dev', '40755'],
      ['dev/console', '20600'],
      ['init', '100755'],
      ['tmp', '41777'],
      ['usr', '40755'],
      ['usr/lib', '40755'],
      ['usr/lib/x', '100755'],
    ]);
    expect(records.every((r) => r.uid === 0 && r.gid === 0 && r.mtime === 0)).toBe(true);
    expect(records.find((r) => r.path === 'bin/sh')!.data.toString()).toBe('busybox');
    expect(records.find((r) => r.path === 'usr/lib/x')!.data.toString()).toBe('abcde');
    expect(records.find((r) => r.path === 'dev/console')).toMatchObject({ rdevMajor: 5, rdevMinor: 1 });
  });

  it('pads every header+name and every body to 4 bytes and ends with the trailer', () => {
    expect(archive.length % 4).toBe(0);
    const trailer = archive.lastIndexOf('TRAILER!!!\0');
    expect(trailer).toBeGreaterThan(0);
    expect(archive.toString('ascii', trailer - 110, trailer - 104)).toBe('070701');
  });

  it('gives the same bytes for the same entries in any order', () => {
    const a = [
      { path: 'b', kind: 'file' as const, mode: 0o644, data: Buffer.from('1') },
      { path: 'a/c', kind: 'file' as const, mode: 0o644, data: Buffer.from('2') },
    ];
    expect(writeCpioNewc(a).equals(writeCpioNewc([...a].reverse()))).toBe(true);
  });

  it.each(['/abs', 'a/../b', 'a//b', '', './a'])('refuses the path %j', (path) => {
    expect(() => writeCpioNewc([{ path, kind: 'dir' }])).toThrow(/bad path/);
  });

  it('refuses a path given twice and a file used as a folder', () => {
    expect(() =>
      writeCpioNewc([
        { path: 'a', kind: 'dir' },
        { path: 'a', kind: 'dir' },
      ]),
    ).toThrow(/twice/);
    expect(() =>
      writeCpioNewc([
        { path: 'a', kind: 'file', mode: 0o644, data: Buffer.alloc(0) },
        { path: 'a/b', kind: 'dir' },
      ]),
    ).toThrow(/not a directory/);
  });
});
