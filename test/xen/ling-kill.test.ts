import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import type { DeployStep } from '../../src/drivers/deploy-steps.ts';
import { findFreePort } from '../../src/services/free-port.ts';
import { stopLeftCaddy } from '../support/stop-left-caddy.ts';
import { sayTo, spawnVoxoz, type SpawnedVoxoz } from '../support/spawn-voxoz.ts';
import { helloErlangCopy, labDomains, xenYaml } from '../support/xen-voxoz.ts';
import { adminOf } from '../support/xenlab/xen-lab.ts';

// One bot (no workers of its own); for each case a worker started with the crash hook takes the
// deploy and SIGKILLs itself at that step, a second worker takes the job over, and the lab's own
// `xl list` must show the live release's domain and nothing else.
const lab = inject('xenLab');
const admin = adminOf(lab);
const dir = mkdtempSync(join(tmpdir(), 'vxk-'));
const queue = `xen-${randomUUID().slice(0, 8)}`;
const hello = helloErlangCopy();
let bot: SpawnedVoxoz | undefined;
const workers: SpawnedVoxoz[] = [];
let env: NodeJS.ProcessEnv = {};
let port = 0;
const say = (...words: string[]) => sayTo(port, join(dir, 'data'), 'rita', words);
const startWorker = async (crashAt?: DeployStep) => {
  const w = await spawnVoxoz('worker', { ...env, PORT: '0', ...(crashAt ? { VOXOZ_CRASH_AT: crashAt } : {}) }, '"msg":"worker pool ready"');
  workers.push(w);
  return w;
};

beforeAll(async () => {
  port = await findFreePort();
  hello.bake(1);
  writeFileSync(
    join(dir, 'voxoz.yml'),
    xenYaml(lab, hello.dir).replace('worker: { concurrency: 2, attempts: 1 }', 'worker: { inProcess: false, stalledSeconds: 2 }'),
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
  expect(await labDomains(admin)).toEqual(['hello-production-v1-0']);
  // Killed, not stopped: a stop would take the front door (its data dir) down with it; the next worker adopts it.
  await first.stop('SIGKILL');
  workers.splice(0);
}, 900_000);

afterEach(async () => {
  for (const w of workers.splice(0)) await w.stop('SIGKILL');
});

afterAll(async () => {
  for (const w of workers) await w.stop('SIGKILL');
  await bot?.stop();
  await stopLeftCaddy(join(dir, 'data'));
  for (const d of await labDomains(admin).catch(() => [])) await admin(`xl destroy ${d}`).catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
  hello.remove();
});

describe('kill -9 of the worker mid-deploy of a LING app', () => {
  it.each([
    ['health-wait', 2, false],
    ['switch', 3, true],
  ] as const)('at "%s": another worker takes the job over, v%i goes live, and no orphan domain is left', async (step, next, switched) => {
    hello.bake(next);
    const doomed = await startWorker(step);
    const deploy = say('deploy', 'hello');
    await doomed.exited;
    expect(doomed.child.signalCode, `the worker with VOXOZ_CRASH_AT=${step} was not killed there`).toBe('SIGKILL');
    await startWorker();
    const { code, out } = await deploy;
    expect(code, out).toBe(0);
    expect(out).toContain('takes it over');
    expect(out).toContain(`hello v${next} live`);
    if (switched) expect(out).toContain(`v${next} went live in an earlier attempt`);
    expect(await labDomains(admin)).toEqual([`hello-production-v${next}-0`]);
    const status = await say('status', 'hello');
    expect(status.out).toMatch(new RegExp(`hello-production-v${next}-0\\s+v${next}\\s+running`));
  });
});
