import { randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { JobData } from '../../src/core/types.ts';
import { LABEL } from '../../src/drivers/docker/labels.ts';
import { readWholeJobStream } from '../../src/jobs/job-stream.ts';
import { silentLogger } from '../../src/observability/logger.ts';
import { handleTick } from '../../src/schedule/schedule-ticks.ts';
import { createSummaryHistory } from '../../src/schedule/summary-history.ts';
import { createSystemJobs } from '../../src/store/record-system-job.ts';
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
    expect(parent.status).toBe('attention');
    const lines = parent.text!.split('\n');
    const first = lines.findIndex((l) => l.includes('(production): v1 live'));
    const problem = new RegExp(`^\\[!\\] ${loop} \\(production\\): v1 live .* -- .*\\b(\\d+) restarts since the last summary$`);
    expect(lines[first]).toMatch(problem);
    expect(Number(problem.exec(lines[first]!)![1])).toBeGreaterThanOrEqual(2);
    expect(lines[first + 1]).toMatch(
      new RegExp(`^${good} \\(production\\): v1 live \\d+[sm]; 1/1 healthy; last deploy v1 by local:alice \\d+[sm] ago, live$`),
    );

    // Scheduled summaries (ticks, as the schedule worker handles them): the first stores the
    // replica's count beside its mark; the next counts only the restarts after it.
    const queue = new Queue<JobData>('jobs', { connection: s.redis.duplicate(), prefix: s.keys.bull });
    const systemJobs = createSystemJobs({ redis: s.redis, queue, keys: s.keys, config: () => s.config });
    const history = createSummaryHistory(s.redis, s.keys);
    const tick = async (tickMs: number) => {
      await handleTick({ config: () => s.config, systemJobs, log: silentLogger }, 'morning', tickMs);
      const done = await waitFor(
        'the scheduled summary to end',
        async () => (await readWholeJobStream(s.redis, s.keys, `schedule-morning-${tickMs}`)).find((e) => e.event.type === 'done')?.event,
        60_000,
      );
      return done.type === 'done' ? done.result.text!.split('\n') : [];
    };
    try {
      const replicaId = (await bed.driver.status(spec, 'production'))[0]!.id;
      await tick(Date.now());
      const before = (await history.restartCounts('morning'))?.[replicaId];
      expect(before).toBeGreaterThanOrEqual(2);
      await waitFor(
        'another restart after the first scheduled summary',
        async () => ((await bed.driver.status(spec, 'production'))[0]?.restarts ?? 0) > before!,
        60_000,
      );
      const next = await tick(Date.now() + 1);
      const after = (await history.restartCounts('morning'))?.[replicaId];
      expect(next.find((l) => l.startsWith(`[!] ${loop} `))).toMatch(
        new RegExp(` -- .*\\b${after! - before!} restarts? since the last summary$`),
      );
      expect(after! - before!).toBeLessThan(after!);
    } finally {
      await queue.close();
    }
  });
});
