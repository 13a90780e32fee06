import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureListenerHandover } from '../../src/services/listener-handover.ts';

const dir = mkdtempSync(join(tmpdir(), 'vxh-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('ensureListenerHandover', () => {
  it('switches the setting on when it is off, and leaves it when it is on', () => {
    const setting = join(dir, 'tcp_migrate_req');
    writeFileSync(setting, '0\n');
    expect(ensureListenerHandover(setting)).toBe('switched-on');
    expect(readFileSync(setting, 'utf8').trim()).toBe('1');
    expect(ensureListenerHandover(setting)).toBe('on');
  });

  it('says the kernel lacks it when there is no such setting', () => {
    expect(ensureListenerHandover(join(dir, 'missing'))).toEqual({ off: expect.stringContaining('Linux 5.14 or newer') });
  });

  it('says it could not set it when the write is refused', () => {
    // Readable, never writable (not even by root), and not "1".
    expect(ensureListenerHandover('/proc/version')).toEqual({ off: expect.stringMatching(/could not set \/proc\/version to 1 \(\w+\)/) });
  });
});
