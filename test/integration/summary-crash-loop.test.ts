import { randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { LABEL } from '../../src/drivers/docker/labels.ts';
import { findFreePort } from '../../src/services/free-port.ts';
import { dockerTestbed } from '../support/docker-apps.ts';
import { startSpine, type Spine } from '../support/spine-harness.ts';
import { HELLO_APP_DIR } from '../support/start-voxoz.ts';
import { waitFor } from '../support/wait-for.ts';

// A crash-looping app in the summary, from real state on the private dockerd: two apps
// deployed through chat; one replica is then made to crash (its main process killed from
// inside) and, once crashed, exits 1 at every start, so the engine's restart policy
// (`unless-stopped`) keeps restarting it. `schedule run` through the real dispatcher, queue,
// worker and relay must name it first, as needing attention, with its restarts.
const bed = dockerTestbed();
const appDir = mkdtempSync(join(tmpdir(), 'vxc-'));
let spine: Spine | undefined;
afterEach(async () => {
  await spine?.close();
  spine = undefined;
});
afterAll(async () => {
  await bed.cleanup();
  rmSync(appDir, { recursive: true, force: true });
});

/** The hello app, except that a replica that crashed once (it left /tmp/crashed) exits 1 at every start. */
function crashingHello(): string {
  cpSync(HELLO_APP_DIR, appDir, { recursive: true });
  const start = readFileSync(join(appDir, 'start.sh'), 'utf8');
  if (!start.startsWith('#!/bin/sh\n')) throw new Error('examples/hello/start.sh changed: this test prepends to it');
  const crashed = '[ -e /tmp/crashed ] && { echo "crashed before; exiting"; exit 1; }\n';
  writeFileSync(join(appDir, 'start.sh'), `#!/bin/sh\n${crashed}${start.slice('#!/bin/sh\n'.length)}`);
  return appDir;
}

describe('the summary names a crash-looping app', () => {
  it('first, as needing attention, with its restarts since the last summary; the healthy app after it', async () => {
    const id = randomUUID().slice(0, 5);
    const [good, loop] = [`ok${id}`, `loop${id}`];
    const app = async (name: string, path: string) => ({
      name,
      source: { path },
      port: await findFreePort(),
      health: { timeoutSeconds: 10 },
      drainSeconds: 1,
    });
    spine = await startSpine(
      { docker: bed.driver },
      {
        apps: [await app(good, HELLO_APP_DIR), await app(loop, crashingHello())],
        schedules: [{ name: 'morning', cron: '0 9 * * *', timezone: 'Europe/Kyiv', target: { platform: 'local', channel: 'ops' } }],
      },
    );
    await spine.startWorkers();
    spine.startRelay();
    const s = spine;
    const run = async (text: string) => {
      const { thread } = await s.say('alice', text);
      return s.waitForEnd(thread, 90_000);
    };
    expect((await run(`deploy ${good}`)).messages[1]!.reply!.title).toBe(`${good} v1 live (1/1 healthy)`);
    // It passes the health gate and goes live: the crash comes after.
    expect((await run(`deploy ${loop}`)).messages[1]!.reply!.title).toBe(`${loop} v1 live (1/1 healthy)`);

    const [replica] = await bed.docker.listContainers({
      filters: { label: [`${LABEL.instance}=${bed.instance}`, `${LABEL.app}=${loop}`] },
    });
    const exec = await bed.docker.getContainer(replica!.Id).exec({ Cmd: ['sh', '-c', 'touch /tmp/crashed && kill -TERM 1'] });
    await exec.start({});
    const spec = s.config.apps.find((a) => a.name === loop)!;
    await waitFor(
      'the engine to restart the crashed replica twice',
      async () => ((await bed.driver.status(spec, 'production'))[0]?.restarts ?? 0) >= 2,
      60_000,
    );

    const thread = await run('schedule run morning');
    const parent = thread.messages[1]!.reply!;
    expect(parent.title).toBe('morning summary: 1 needs attention, 1 healthy');
    const lines = parent.text!.split('\n');
    const first = lines.findIndex((l) => l.includes('(production): v1 live'));
    const problem = new RegExp(`^\\[!\\] ${loop} \\(production\\): v1 live .* -- .*\\b(\\d+) restarts since the last summary$`);
    expect(lines[first]).toMatch(problem);
    expect(Number(problem.exec(lines[first]!)![1])).toBeGreaterThanOrEqual(2);
    expect(lines[first + 1]).toMatch(
      new RegExp(`^${good} \\(production\\): v1 live \\d+[sm]; 1/1 healthy; last deploy v1 by local:alice \\d+[sm] ago, live$`),
    );
  });
});
