import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/logger.ts';
import { findFreePort } from '../../src/services/free-port.ts';
import { waitUntil } from '../../src/services/wait-until.ts';
import { type NetnsEngine, startNetnsEngine } from '../support/netns-engine.ts';
import { sayTo } from '../support/spawn-voxoz.ts';
import { HELLO_APP_DIR, startTestVoxoz, type TestVoxoz } from '../support/start-voxoz.ts';

/**
 * A worker asks again what it reaches (`worker.reachCheckSeconds`, 1 s here): a target whose
 * engine was not up when voxoz started is served once it answers, with no restart, and one that
 * stops answering is let go, so its commands are refused at once by name again. The target's
 * host is a socket path that is a symlink the test makes (to a private dockerd in a namespace of
 * its own, started late); the engine is stopped later.
 */
const dir = mkdtempSync('/tmp/vxr-');
const socket = join(dir, 'late.sock');
let engine: NetnsEngine | undefined;
let voxoz: TestVoxoz;
let webPort = 0;
const logged: { msg: string; target?: string; sites?: string[] }[] = [];

beforeAll(async () => {
  webPort = await findFreePort();
  voxoz = await startTestVoxoz({
    log: createLogger('info', {}, (line) => logged.push(JSON.parse(line))),
    yaml: `worker: { reachCheckSeconds: 1 }
targets:
  - { name: late, kind: engine, host: "unix://${socket}", location: remote }
apps:
  - name: hello
    source: { path: ${HELLO_APP_DIR} }
    port: APP_PORT
  - name: web
    source: { path: ${HELLO_APP_DIR} }
    port: ${webPort}
    environments:
      production: { target: late }
`,
  });
}, 120_000);
afterAll(async () => {
  await voxoz?.close();
  await engine?.stop();
  rmSync(dir, { recursive: true, force: true });
}, 90_000);

const say = (user: string, ...words: string[]) => sayTo(voxoz.port!, join(voxoz.dir, 'data'), user, words);
const readyTargets = async () => {
  const body = (await (await fetch(`${voxoz.url}/readyz`)).json()) as { checks: Record<string, { ok: boolean }> };
  return Object.keys(body.checks).filter((k) => k.startsWith('target:'));
};
const said = (msg: string) => logged.filter((l) => l.msg === msg && l.target === 'late').length;
const freed = () =>
  logged
    .filter((l) => l.msg === 'freed the addresses of app environments no longer in voxoz.yml (they served nothing)' && l.target === 'late')
    .map((l) => l.sites);

describe('what a worker reaches is asked again while it runs', () => {
  it('a target that answers only after the start is served from then on: its deploy runs, with no restart', async () => {
    const early = await say('alice', 'deploy', 'web');
    expect(early.code).not.toBe(0);
    expect(early.out).toContain('no worker reaches the target late');
    expect(await readyTargets()).toEqual([]);

    engine = await startNetnsEngine();
    symlinkSync(engine.host.replace(/^unix:\/\//, ''), socket);
    await waitUntil(
      'the worker says it reaches target late',
      async () => (await say('bob', 'workers')).out.includes('target late'),
      30_000,
      500,
    );
    expect(said('a target answers: this worker takes its jobs now')).toBe(1);
    expect(await readyTargets()).toEqual(['target:late']);

    const web = await say('alice', 'deploy', 'web');
    expect(web.code, web.out).toBe(0);
    expect(web.out).toContain('web v1 live (1/1 healthy)');
    expect(await engine.fetchInside(webPort)).toContain('hello from release v1');
  }, 120_000);

  it("an app taken out of voxoz.yml after `scale 0` lets go of its address on the target's front door at the reload", async () => {
    const file = join(voxoz.dir, 'voxoz.yml');
    const before = readFileSync(file, 'utf8');
    // Still in the file: its address stays held (503) even scaled to 0.
    const zero = await say('alice', 'scale', 'web', '0');
    expect(zero.code, zero.out).toBe(0);
    voxoz.reload();
    expect(await engine!.fetchInside(webPort)).toBeUndefined();
    expect(await engine!.wgetInside(webPort)).toContain('503');
    expect(freed()).toEqual([]);

    try {
      writeFileSync(file, before.replace(/ {2}- name: web\n( {4}.*\n)*/, ''));
      expect(readFileSync(file, 'utf8')).not.toContain('web');
      expect(voxoz.reload().ok).toBe(true);
      await waitUntil('the reload frees web on target late', async () => freed().length > 0, 30_000, 200);
      expect(freed()).toEqual([['web (production)']]);
      expect(await engine!.wgetInside(webPort)).toContain('Connection refused');
    } finally {
      // web back in the file, for the next test.
      writeFileSync(file, before);
      expect(voxoz.reload().ok).toBe(true);
    }
  }, 60_000);

  it('a target that stops answering is let go after two checks: its commands are refused at once again, /readyz leaves it out', async () => {
    // The machine goes away: its engine stops (a kept-alive connection would still answer through a removed symlink).
    await engine!.stop();
    rmSync(socket);
    await waitUntil(
      'the worker no longer says it reaches target late',
      async () => !(await say('bob', 'workers')).out.includes('target late'),
      30_000,
      500,
    );
    expect(said('a target stopped answering; this worker takes none of its new jobs until it answers again')).toBe(1);
    const late = await say('alice', 'status', 'web');
    expect(late.code).not.toBe(0);
    expect(late.out).toContain('no worker reaches the target late');
    expect(await readyTargets()).toEqual([]);
    const hello = await say('alice', 'status', 'hello');
    expect(hello.code, hello.out).toBe(0);
  }, 60_000);
});
