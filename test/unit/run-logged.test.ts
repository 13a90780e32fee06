import { describe, expect, it } from 'vitest';
import type { DriverIO } from '../../src/drivers/driver.ts';
import { lineSplitter, runLogged } from '../../src/drivers/run-logged.ts';
import { createMasker } from '../../src/observability/mask-secrets.ts';

const io = (lines: string[]): DriverIO => ({
  log: (l) => lines.push(l),
  step: () => undefined,
  signal: new AbortController().signal,
  now: () => new Date(),
});

describe('runLogged', () => {
  it('logs a line written in several chunks once, whole, so the masker sees the secret in one piece', async () => {
    const lines: string[] = [];
    // Two writes 300 ms apart reach the pipe as two chunks.
    await runLogged('/bin/sh', ['-c', 'printf "token=hunt"; sleep 0.3; printf "er22-and-more\\nnext"; sleep 0.3; printf " line\\n"'], {
      cwd: '/',
      io: io(lines),
    });
    const output = lines.slice(1, -1);
    expect(output).toEqual(['token=hunter22-and-more', 'next line']);
    expect(output.map(createMasker(['hunter22-and-more']))).toEqual(['token=••••', 'next line']);
  });

  it('logs its command line with URLs stripped of their userinfo', async () => {
    const lines: string[] = [];
    await runLogged('/bin/echo', ['https://x-access-token:ghp_s3cret@git.example.org/a.git'], {
      cwd: '/',
      io: io(lines),
      quietStdout: true,
    });
    expect(lines[0]).toMatch(/^>>> \S+ \/bin\/echo https:\/\/git\.example\.org\/a\.git$/);
    expect(lines.join('\n')).not.toContain('ghp_s3cret');
  });
});

describe('lineSplitter', () => {
  it('keeps a multi-byte character split between chunks and flushes the last line at the end', () => {
    const lines: string[] = [];
    const split = lineSplitter((l) => lines.push(l));
    const bytes = Buffer.from('héllo\r\nwörld');
    split.push(bytes.subarray(0, 2));
    split.push(bytes.subarray(2, 10));
    split.push(bytes.subarray(10));
    split.end();
    expect(lines).toEqual(['héllo', 'wörld']);
  });
});
