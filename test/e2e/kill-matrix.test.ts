import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDockerClient } from '../../src/drivers/docker/docker-client.ts';
import { DEPLOY_STEPS, type DeployStep } from '../../src/drivers/deploy-steps.ts';
import { findFreePort } from '../../src/services/free-port.ts';
import { releaseIn, startProbe } from '../support/probe.ts';
import { sayTo, spawnVoxoz, type SpawnedVoxoz } from '../support/spawn-voxoz.ts';
import { HELLO_APP_DIR } from '../support/start-voxoz.ts';
import { withOpenAccess } from '../support/open-access.ts';
import { stopLeftCaddy } from '../support/stop-left-caddy.ts';

// One bot (no workers of its own) for the whole matrix; for each step a worker started with the
// crash hook takes the deploy and SIGKILLs itself there, and a second worker (without it) recovers.
const dir = mkdtempSync(join(tmpdir(), 'vxk-'));
const queue = `e2e-${randomUUID().slice(0, 8)}`;
const docker = createDockerClient(inject('dockerHost'));
let bot: SpawnedVoxoz | undefined;
const workers: SpawnedVoxoz[] = [];
let env: NodeJS.ProcessEnv = {};
let port = 0;
let appPort = 0;
/** The release that serves now. */
let serving = 0;

const say = (...words: string[]) => sayTo(port, join(dir, 'data'), 'alice', words);
const startWorker = async (crashAt?: DeployStep) => {
  const w = await spawnVoxoz('worker', { ...env, PORT: '0', ...(crashAt ? { VOXOZ_CRASH_AT: crashAt } : {}) }, '"msg":"worker pool ready"');
  workers.push(w);
  return w;
};
/**
 * The front door runs beside the workers (its data dir): SIGTERM would stop it with the worker,
 * so an idle worker is killed instead, and the next one adopts the running front door.
 */
const stopIdle = (w: SpawnedVoxoz) => w.stop('SIGKILL');
const containers = async () =>
  (await docker.listContainers({ all: true, filters: { label: [`voxoz.instance=${queue}`] } })).map((c) => ({
    name: c.Names[0]?.slice(1),
    release: Number(c.Labels['voxoz.release']),
    state: c.State,
  }));

beforeAll(async () => {
  [port, appPort] = [await findFreePort(), await findFreePort()];
  writeFileSync(
    join(dir, 'voxoz.yml'),
    withOpenAccess(
      [
        'worker:',
        '  inProcess: false',
        '  stalledSeconds: 2',
        'apps:',
        '  - name: hello',
        `    source: { path: ${HELLO_APP_DIR} }`,
        `    port: ${appPort}`,
        '    drainSeconds: 1',
        '    health: { path: /, timeoutSeconds: 20 }',
        '',
      ].join('\n'),
    ),
  );
  env = {
    ...process.env,
    REDIS_URL: inject('redisUrl'),
    DOCKER_HOST: inject('dockerHost'),
    PORT: String(port),
    VOXOZ_CONFIG: join(dir, 'voxoz.yml'),
    VOXOZ_DATA_DIR: join(dir, 'data'),
    VOXOZ_QUEUE: queue,
  };
  bot = await spawnVoxoz('start', env, 'voxoz is running');
  const first = await startWorker();
  const { code, out } = await say('deploy', 'hello');
  expect(code, out).toBe(0);
  serving = 1;
  await stopIdle(first);
}, 60_000);

// A failed case must not leave its worker running: the next case's workers would find the data dir taken.
afterEach(async () => {
  for (const w of workers) await stopIdle(w);
});

afterAll(async () => {
  for (const w of workers) await w.stop('SIGKILL');
  await bot?.stop();
  // The workers' front door outlives them (its own session, as after a crash): stop it too.
  await stopLeftCaddy(join(dir, 'data'));
  for (const c of await docker.listContainers({ all: true, filters: { label: [`voxoz.instance=${queue}`] } }))
    await docker.getContainer(c.Id).remove({ force: true });
  rmSync(dir, { recursive: true, force: true });
});

/** Steps after which the new release is already the serving one: the takeover finishes the deploy instead of redoing it. */
const AFTER_SWITCH: ReadonlyArray<DeployStep> = ['switch', 'drain', 'retire', 'ledger-write'];

describe('kill -9 of the worker at each step of a deploy', () => {
  for (const step of DEPLOY_STEPS) {
    it(`at "${step}": old or new always serves, no orphans, the ledger and the thread tell the truth`, async () => {
      // Counted here, so that a failed step does not shift the numbers of the next ones.
      const old = serving;
      const next = ++serving;
      const doomed = await startWorker(step);
      const probe = startProbe(`127.0.0.1:${appPort}`, { perSecond: 50, maxMs: 60_000 });
      const deploy = say('deploy', 'hello');
      await doomed.exited;
      expect(doomed.child.signalCode, `${step}: the worker with VOXOZ_CRASH_AT=${step} was not killed there`).toBe('SIGKILL');
      await startWorker();
      const { code, out } = await deploy;
      const answers = await probe.stop();

      const failed = answers.filter((a) => !a.ok);
      expect(answers.length, `${step}: the probe sent too few requests`).toBeGreaterThan(100);
      expect(failed.slice(0, 3), `${step}: ${failed.length} of ${answers.length} requests failed`).toEqual([]);
      // Old, then new: never back to the old once the new answered.
      const seen = answers.map(releaseIn);
      expect(seen.slice(seen.indexOf(String(next))), `${step}: the old release answered again after the new one`).not.toContain(
        String(old),
      );

      expect(code, `${step}: the deploy did not end as a success:\n${out}`).toBe(0);
      expect(out, `${step}: the thread does not say the job was taken over`).toContain('takes it over');
      expect(out, `${step}: the thread does not say v${next} is live`).toContain(`hello v${next} live`);
      if (AFTER_SWITCH.includes(step))
        expect(out, `${step}: the takeover did not finish the switched release`).toContain(`v${next} went live in an earlier attempt`);

      expect(await containers(), `${step}: containers other than the live release's replica exist`).toEqual([
        expect.objectContaining({ release: next, state: 'running' }),
      ]);
      expect(await (await fetch(`http://127.0.0.1:${appPort}/`)).text(), `${step}: the front door does not serve v${next}`).toContain(
        `from release v${next}`,
      );
      const releases = await say('releases', 'hello');
      expect(releases.out, `${step}: releases does not mark v${next} live`).toMatch(new RegExp(`\\*\\s*v${next}\\b`));
      const status = await say('status', 'hello');
      expect(status.out, `${step}: status does not show v${next}`).toContain(`v${next}`);
      expect(status.out, `${step}: status still shows v${old}`).not.toContain(`v${old} `);
    }, 60_000);
  }

  it('a deploy whose worker dies twice (at "health-wait") gives up: the old release keeps serving, and the thread says so', async () => {
    const old = serving;
    const next = ++serving;
    const probe = startProbe(`127.0.0.1:${appPort}`, { perSecond: 50, maxMs: 60_000 });
    const first = await startWorker('health-wait');
    const deploy = say('deploy', 'hello');
    await first.exited;
    const second = await startWorker('health-wait');
    await second.exited;
    expect([first.child.signalCode, second.child.signalCode], 'both workers were to be killed at health-wait').toEqual([
      'SIGKILL',
      'SIGKILL',
    ]);
    await startWorker();
    const { code, out } = await deploy;
    const answers = await probe.stop();
    const failed = answers.filter((a) => !a.ok);
    expect(failed.slice(0, 3), `${failed.length} of ${answers.length} requests failed`).toEqual([]);
    expect(answers.map(releaseIn), 'the new release answered').not.toContain(String(next));
    expect(code, out).not.toBe(0);
    expect(out).toContain('stopped twice without finishing it');
    expect(out).toContain(`v${next} was not switched to and what it started was removed; v${old} keeps serving`);
    expect(await containers(), 'containers other than the live release exist').toEqual([
      expect.objectContaining({ release: old, state: 'running' }),
    ]);
    const releases = (await say('releases', 'hello')).out;
    expect(releases, 'releases does not keep the old one live').toMatch(new RegExp(`\\*\\s*v${old}\\b`));
    expect(releases, 'releases does not show the new one failed').toMatch(new RegExp(`v${next}\\b.*failed`));
  }, 60_000);
});
