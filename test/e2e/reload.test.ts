import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { findFreePort } from '../../src/services/free-port.ts';
import { BIN, ROOT, sayTo, spawnVoxoz, type SpawnedVoxoz } from '../support/spawn-voxoz.ts';
import { HELLO_APP_DIR } from '../support/start-voxoz.ts';
import { withOpenAccess } from '../support/open-access.ts';
import { httpOnce } from '../support/http-once.ts';

const page = (appPort: number) => httpOnce(`127.0.0.1:${appPort}`);

const dir = mkdtempSync(join(tmpdir(), 'vxr-'));
const file = join(dir, 'voxoz.yml');
let voxoz: SpawnedVoxoz;
let port = 0;
const app = (name: string, appPort: number) => `  - name: ${name}\n    source: { path: ${HELLO_APP_DIR} }\n    port: ${appPort}\n`;
const reload = (): Promise<{ code: number; out: string }> =>
  new Promise((resolve) => {
    execFile(
      'node',
      [BIN, 'reload'],
      { cwd: ROOT, env: { ...process.env, PORT: String(port), VOXOZ_DATA_DIR: join(dir, 'data') } },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, out: stdout + stderr }),
    );
  });

beforeAll(async () => {
  port = await findFreePort();
  writeFileSync(file, withOpenAccess(`apps:\n${app('hello', await findFreePort())}`));
  voxoz = await spawnVoxoz(
    'start',
    {
      ...process.env,
      REDIS_URL: inject('redisUrl'),
      DOCKER_HOST: inject('dockerHost'),
      PORT: String(port),
      VOXOZ_CONFIG: file,
      VOXOZ_DATA_DIR: join(dir, 'data'),
      VOXOZ_QUEUE: `reload-${randomUUID().slice(0, 8)}`,
    },
    'voxoz is running',
  );
});
afterAll(async () => {
  await voxoz?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('config reload without a restart', () => {
  it('"voxoz reload" applies a new app at once and names what needs a restart', async () => {
    expect((await sayTo(port, join(dir, 'data'), 'alice', ['deploy', 'nosuch'])).out).toMatch(/known apps: hello$/m);
    writeFileSync(
      file,
      withOpenAccess(`worker:\n  concurrency: 5\napps:\n${app('hello', await findFreePort())}${app('shop', await findFreePort())}`),
    );
    const { code, out } = await reload();
    expect(code, out).toBe(0);
    expect(out).toMatch(
      /^reloaded \S+voxoz\.yml: app hello changed, app shop added; restart voxoz to apply worker \(running with \{"concurrency":2,/,
    );
    const deploy = await sayTo(port, join(dir, 'data'), 'alice', ['deploy', 'nosuch']);
    expect(deploy.out).toContain('known apps: hello, shop');
  });

  it('an invalid file is not applied: the running config stays, and the problems are listed with their paths', async () => {
    writeFileSync(file, withOpenAccess(`apps:\n${app('hello', await findFreePort())}${app('shop', await findFreePort())}`));
    expect((await reload()).code).toBe(0);
    writeFileSync(file, `apps:\n  - name: Bad Name\n    port: 80\n`);
    const { code, out } = await reload();
    expect(code).toBe(1);
    expect(out).toContain('was not reloaded; the running config stays');
    expect(out).toMatch(/apps\[0\]\.name: must be lowercase/);
    expect(out).toMatch(/apps\[0\]\.port: must be 1024\.\.65000, got 80/);
    expect((await sayTo(port, join(dir, 'data'), 'alice', ['deploy', 'nosuch'])).out).toContain('known apps: hello, shop');
  });

  it('SIGHUP reloads too, and a bad file on SIGHUP leaves voxoz running', async () => {
    writeFileSync(file, withOpenAccess(`apps:\n${app('hello', await findFreePort())}${app('shop', await findFreePort())}`));
    expect((await reload()).code).toBe(0);
    writeFileSync(file, 'apps: [\n');
    voxoz.child.kill('SIGHUP');
    await expect.poll(() => voxoz.stderr(), { timeout: 5000 }).toMatch(/was not reloaded; the running config stays[^\n]*\\n {2}- line 2/);
    writeFileSync(file, withOpenAccess(`apps:\n${app('web', await findFreePort())}`));
    voxoz.child.kill('SIGHUP');
    await expect
      .poll(() => voxoz.stderr(), { timeout: 5000 })
      .toMatch(
        /reloaded \S+: app web added, app hello removed, app shop removed\. voxoz no longer shows, watches or changes hello, shop, but what they still run keeps running and holding its address \(an address that serves nothing is freed now\)/,
      );
    expect((await sayTo(port, join(dir, 'data'), 'alice', ['deploy', 'nosuch'])).out).toContain('known apps: web');
  });

  it('frees the address of an app taken out of the file once it serves nothing; one that still serves keeps it', async () => {
    const [idlePort, busyPort] = [await findFreePort(), await findFreePort()];
    writeFileSync(file, withOpenAccess(`apps:\n${app('idle', idlePort)}${app('busy', busyPort)}`));
    expect((await reload()).code).toBe(0);
    const say = (...words: string[]) => sayTo(port, join(dir, 'data'), 'alice', words);
    for (const name of ['idle', 'busy']) expect((await say('deploy', name)).out).toMatch(new RegExp(`${name} v1 live`));
    expect((await say('scale', 'idle', '0')).out).toContain('idle scaled to 0');
    expect((await page(idlePort)).split(' ')[0]).toBe('503');

    writeFileSync(file, withOpenAccess(`apps:\n${app('web', await findFreePort())}`));
    expect((await reload()).code).toBe(0);
    await expect
      .poll(() => voxoz.stderr(), { timeout: 5000 })
      .toMatch(/"sites":\["idle \(production\)"\][^\n]*freed the addresses of app environments no longer in voxoz\.yml/);
    await expect(page(idlePort)).rejects.toThrow(/ECONNREFUSED/);
    // busy still runs (voxoz does not stop an app taken out of the file): its address keeps serving it.
    expect(await page(busyPort)).toMatch(/^200 [\s\S]*hello from release v1/);
  });
});
