import { EventEmitter } from 'node:events';
import { openSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hasControllingTerminal, ignoreClosedOutput, sighupMeaning } from '../../src/lifecycle/terminal.ts';

describe('a SIGHUP', () => {
  it('stops voxoz only when the terminal it started on is gone; otherwise it re-reads voxoz.yml', () => {
    expect(sighupMeaning(true, false)).toBe('hangup');
    expect(sighupMeaning(true, true)).toBe('reload');
    // Under systemd or nohup there never was a terminal: every SIGHUP is a reload.
    expect(sighupMeaning(false, false)).toBe('reload');
  });

  it('a controlling terminal is one /dev/tty opens for', () => {
    const opened: string[] = [];
    expect(
      hasControllingTerminal((p) => {
        opened.push(p);
        return openSync('/dev/null', 'r');
      }),
    ).toBe(true);
    expect(opened).toEqual(['/dev/tty']);
    expect(
      hasControllingTerminal(() => {
        throw Object.assign(new Error('ENXIO: no such device or address'), { code: 'ENXIO' });
      }),
    ).toBe(false);
  });

  it('writes to a terminal that is gone (EIO, EPIPE) are dropped; other errors still throw', () => {
    const out = new EventEmitter() as unknown as NodeJS.WritableStream;
    ignoreClosedOutput([out]);
    expect(() => out.emit('error', Object.assign(new Error('write EIO'), { code: 'EIO' }))).not.toThrow();
    expect(() => out.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }))).not.toThrow();
    expect(() => out.emit('error', Object.assign(new Error('write ENOSPC'), { code: 'ENOSPC' }))).toThrow(/ENOSPC/);
  });
});
