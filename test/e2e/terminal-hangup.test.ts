import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { BIN, ROOT } from '../support/spawn-voxoz.ts';
import { withOpenAccess } from '../support/open-access.ts';
import { processProgram, readPidFile } from '../../src/services/process-info.ts';

/**
 * A person runs `npm start` in a terminal and closes the window (or the ssh session drops):
 * the kernel hangs the terminal up and sends voxoz SIGHUP. voxoz must stop in order, front door
 * included, not take it for "re-read voxoz.yml" and run on with no terminal and no one to stop it.
 * The terminal is a pseudo-terminal made by util-linux `script`; killing `script` closes it.
 */
const dir = mkdtempSync(join(tmpdir(), 'vxhup-'));
const data = join(dir, 'data');
afterAll(() => {
  for (const name of ['voxoz.pid', 'caddy/caddy.pid']) {
    const pid = readPidFile(join(data, name));
    if (pid !== undefined && processProgram(pid) !== undefined) process.kill(pid, 'SIGKILL');
  }
  rmSync(dir, { recursive: true, force: true });
});

/** Resolves once process `pid` has ended; rejects after `ms`. */
async function gone(pid: number, what: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (processProgram(pid) !== undefined) {
    if (Date.now() > deadline) throw new Error(`${what} (pid ${pid}) still runs ${ms / 1000} s after the terminal closed`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('closing the terminal', () => {
  it('stops voxoz in order: the front door it started stops too, and the data dir is free', async () => {
    writeFileSync(join(dir, 'voxoz.yml'), withOpenAccess('apps:\n  - name: hello\n    source: { path: /nonexistent }\n    port: 18098\n'));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      REDIS_URL: inject('redisUrl'),
      DOCKER_HOST: inject('dockerHost'),
      VOXOZ_CONFIG: join(dir, 'voxoz.yml'),
      VOXOZ_DATA_DIR: data,
      VOXOZ_QUEUE: `hup-${randomUUID().slice(0, 8)}`,
      VOXOZ_LOG_FORMAT: 'json',
      PORT: '0',
      TERM: 'xterm',
    };
    const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
    // `exec`: voxoz itself runs on the terminal, as under an interactive shell.
    const term = spawn('script', ['-qefc', `exec ${quote(process.execPath)} ${quote(BIN)} start`, '/dev/null'], {
      cwd: ROOT,
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let shown = '';
    term.stdout!.on('data', (c: Buffer) => {
      shown += c.toString();
    });
    const deadline = Date.now() + 60_000;
    while (!shown.includes('voxoz is running:')) {
      if (Date.now() > deadline || term.exitCode !== null) throw new Error(`voxoz did not start under a terminal:\n${shown}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const voxoz = readPidFile(join(data, 'voxoz.pid'));
    const caddy = readPidFile(join(data, 'caddy/caddy.pid'));
    expect(voxoz, shown).toBeDefined();
    expect(caddy, shown).toBeDefined();
    expect(processProgram(caddy!)).toBeDefined();

    // The window closes: `script` dies at once, and with it the terminal's master side.
    term.kill('SIGKILL');
    await gone(voxoz!, 'voxoz', 30_000);
    // voxoz stopped what it started before it exited (a crash would have left caddy running, to
    // be adopted), and let go of the data dir.
    expect(processProgram(caddy!)).toBeUndefined();
    expect(readPidFile(join(data, 'voxoz.pid'))).toBeUndefined();
  }, 90_000);
});
