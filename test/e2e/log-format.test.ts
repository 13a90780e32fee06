import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { stripAnsi } from '../../src/observability/strip-ansi.ts';
import { BIN, ROOT, spawnVoxoz } from '../support/spawn-voxoz.ts';
import { withOpenAccess } from '../support/open-access.ts';
import { processProgram, readPidFile } from '../../src/services/process-info.ts';

/**
 * What a person running `npm start` reads: readable lines on a terminal (a pseudo-terminal made
 * by util-linux `script`), JSON lines in a pipe (a log collector, journald), and VOXOZ_LOG_FORMAT
 * forcing either. No line carries the local API token.
 */
const dir = mkdtempSync(join(tmpdir(), 'vxlog-'));
let env: NodeJS.ProcessEnv;
beforeAll(() => {
  writeFileSync(join(dir, 'voxoz.yml'), withOpenAccess('apps:\n  - name: hello\n    source: { path: /nonexistent }\n    port: 18099\n'));
  env = {
    ...process.env,
    REDIS_URL: inject('redisUrl'),
    DOCKER_HOST: inject('dockerHost'),
    VOXOZ_CONFIG: join(dir, 'voxoz.yml'),
    VOXOZ_DATA_DIR: join(dir, 'data'),
    VOXOZ_QUEUE: `log-${randomUUID().slice(0, 8)}`,
    PORT: '0',
    TERM: 'xterm',
  };
  delete env.VOXOZ_LOG_FORMAT;
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Runs `voxoz start` under a pseudo-terminal until "voxoz is running" shows, then stops it (SIGTERM to its group); everything the terminal showed. */
function underPty(extra: NodeJS.ProcessEnv = {}): Promise<string> {
  // `script -c` takes one command line: it is built from this checkout's own paths, quoted. `exec`:
  // voxoz itself gets the SIGTERM `script` passes on, whichever shell `script` runs (dash, with
  // SHELL unset as in CI, would otherwise die of it and leave voxoz to the terminal's hangup).
  const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
  const child = spawn('script', ['-qefc', `exec ${quote(process.execPath)} ${quote(BIN)} start`, '/dev/null'], {
    cwd: ROOT,
    env: { ...env, ...extra },
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
  let shown = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      process.kill(-child.pid!, 'SIGKILL');
      reject(new Error(`voxoz did not start under a terminal:\n${shown}`));
    }, 60_000);
    let stopping = false;
    child.stdout!.on('data', (c: Buffer) => {
      shown += c.toString();
      if (!stopping && shown.includes('voxoz is running:')) {
        stopping = true;
        process.kill(-child.pid!, 'SIGTERM');
      }
    });
    child.once('exit', () => {
      clearTimeout(timer);
      // `script` can end before the voxoz under it has stopped what it started; the next start
      // in the same data dir waits for that (it would be refused: "another voxoz owns …").
      voxozGone().then(() => resolve(shown), reject);
    });
  });
}

/** Resolves once no live voxoz holds the data dir (its pid file is gone, or names a dead process). */
async function voxozGone(): Promise<void> {
  const file = join(env.VOXOZ_DATA_DIR!, 'voxoz.pid');
  const deadline = Date.now() + 30_000;
  for (;;) {
    const holder = readPidFile(file);
    if (holder === undefined || processProgram(holder) === undefined) return;
    if (Date.now() > deadline) throw new Error(`voxoz (pid ${holder}) still runs 30 s after its terminal closed`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('log lines', () => {
  it('on a terminal: readable lines (time, level, message, fields), not JSON', async () => {
    const shown = stripAnsi(await underPty()).replaceAll('\r', '');
    const lines = shown.split('\n').filter(Boolean);
    const ready = lines.find((l) => l.includes('voxoz ready'));
    expect(ready, shown).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: voxoz ready \{.*"apps":\["hello"\]/);
    expect(
      lines.some((l) => /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: started the front door \(caddy\) \{/.test(l)),
      shown,
    ).toBe(true);
    expect(lines.filter((l) => l.startsWith('{"level"'))).toEqual([]);
    // pid and hostname are left out on a terminal.
    expect(ready).not.toContain('"hostname"');
  }, 90_000);

  it('VOXOZ_LOG_FORMAT=json on a terminal, and a pipe by default: one JSON object per line with level, t and msg', async () => {
    const forced = stripAnsi(await underPty({ VOXOZ_LOG_FORMAT: 'json' })).replaceAll('\r', '');
    expect(forced).toMatch(/^\{"level":"info","t":"[^"]+","pid":\d+,"hostname":"[^"]+","proc":"all",.*"msg":"voxoz ready"\}$/m);

    const piped = await spawnVoxoz('start', env, 'voxoz is running:');
    await piped.stop();
    const lines = piped.stderr().split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(2);
    for (const line of lines) {
      const parsed = JSON.parse(line) as { level: string; t: string; msg: string };
      expect(['debug', 'info', 'warn', 'error']).toContain(parsed.level);
      expect(Number.isNaN(Date.parse(parsed.t))).toBe(false);
      expect(typeof parsed.msg).toBe('string');
    }
    expect(lines.some((l) => l.includes('"msg":"voxoz ready"'))).toBe(true);
  }, 90_000);

  it('a wrong VOXOZ_LOG_FORMAT is refused at start, saying what is allowed', async () => {
    await expect(spawnVoxoz('start', { ...env, VOXOZ_LOG_FORMAT: 'xml' }, 'never')).rejects.toThrow(
      /VOXOZ_LOG_FORMAT must be "json" or "pretty" \(unset: pretty on a terminal, json elsewhere\), got "xml"/,
    );
  }, 30_000);
});
