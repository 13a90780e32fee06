import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/load-config.ts';
import type { JobData } from '../../src/core/types.ts';
import { createJobQueue, type JobQueue } from '../../src/jobs/job-queue.ts';
import type { JobProcessor } from '../../src/jobs/processors/processor.ts';
import { startWorkerPool, type WorkerPool } from '../../src/jobs/worker-pool.ts';
import { silentLogger } from '../../src/observability/logger.ts';
import { waitUntil } from '../../src/services/wait-until.ts';
import { createDesiredStore } from '../../src/store/desired-store.ts';
import { redisKeys } from '../../src/store/keys.ts';
import { createLockStore } from '../../src/store/lock-store.ts';
import { redisConnector } from '../../src/store/redis-connector.ts';
import { createReleaseStore } from '../../src/store/release-store.ts';
import { type SentinelLab, startSentinelLab } from '../support/sentinel-lab.ts';

const RUNNING = 20;
const QUEUED = 100;
/** How long each job runs: long enough that the master dies under the first 20. */
const HOLD_MS = 1500;

let lab: SentinelLab | undefined;
let dir = '';
const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
  await lab?.stop();
  lab = undefined;
  rmSync(dir, { recursive: true, force: true });
}, 30_000);

/**
 * How the master goes: killed (SIGKILL: its clients see the connection drop), or frozen
 * (SIGSTOP) and thawed after the promotion. A thawed master still takes writes, with no replica,
 * until the sentinels demote it, and discards them then: a command is acknowledged only once a
 * replica has it, and a server with none is asked about (the sentinels must name it master), so
 * nothing acknowledged in that window is lost. The connector's failover watch (failover-watch.ts)
 * moves the clients off the frozen master when the sentinels announce the switch: without it no
 * command sent during the failover was acknowledged and every running job ran twice.
 */
const CASES: ReadonlyArray<{ how: string; signal: 'SIGKILL' | 'SIGSTOP' }> = [
  { how: 'killed', signal: 'SIGKILL' },
  { how: 'frozen then thawed', signal: 'SIGSTOP' },
];

describe('the queue through a Sentinel failover', () => {
  it.each(CASES)(
    'master $how: every acknowledged job ran with at most one effect or says why not, and the workers resume without a restart',
    async ({ signal }) => {
      const started = Date.now();
      dir = mkdtempSync(join(tmpdir(), 'vx-failover-'));
      lab = await startSentinelLab({ downAfterMs: 1000, failoverTimeoutMs: 5000 });
      const url = lab.url;
      const connect = redisConnector(url);
      const keys = redisKeys(`test-${randomUUID().slice(0, 8)}`);
      const redis = connect('commands', 'voxoz');
      closers.push(() => redis.quit());
      const config = validateConfig({ apps: [{ name: 'hello', source: { path: '/nonexistent' }, port: 18080 }] }, '/test/voxoz.yml');

      // The effect is idempotent, keyed by the job id: a marker file created exclusively, then one
      // line in the effect log. Every attempt is counted apart, to see redeliveries.
      const effects = join(dir, 'effects.log');
      const attempts = join(dir, 'attempts.log');
      writeFileSync(effects, '');
      writeFileSync(attempts, '');
      const effect: JobProcessor = {
        mutates: false,
        async run({ data }) {
          appendFileSync(attempts, `${data.id}\n`);
          await new Promise((r) => setTimeout(r, HOLD_MS));
          try {
            writeFileSync(join(dir, `done-${data.id}`), '', { flag: 'wx' });
            appendFileSync(effects, `${data.id} ${Date.now()}\n`);
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
          }
          return { title: `effect ${data.id}` };
        },
      };
      const queue: JobQueue = createJobQueue({ connect, keys, queueName: 'jobs', attempts: 3, maxQueuedPerUser: 1000, log: silentLogger });
      closers.push(() => queue.close());
      const pool: WorkerPool = await startWorkerPool({
        redis,
        keys,
        config: () => config,
        drivers: {},
        releases: createReleaseStore(redis, keys),
        locks: createLockStore(redis, keys),
        desired: createDesiredStore(redis, keys),
        processors: { effect },
        log: silentLogger,
        now: () => new Date(),
        connect,
        queueName: 'jobs',
        concurrency: RUNNING,
        secrets: () => [],
        // A worker's lock outlives a failover of a few seconds; a job whose completion the failover lost comes back within it.
        stalledMs: 8000,
        reconcileEveryMs: 3_600_000,
      });
      closers.push(() => pool.close());
      const job = (i: number): JobData => ({
        id: `fo-${i}`,
        kind: 'effect',
        command: `effect ${i}`,
        env: 'production',
        args: {},
        requestedBy: { id: 'local:alice', name: 'alice' },
        thread: { platform: 'local', conversation: 'local' },
        requestedAt: new Date().toISOString(),
      });

      // 120 commands, each acknowledged only once a replica had it.
      const acked: string[] = [];
      for (let i = 0; i < RUNNING + QUEUED; i++) {
        expect(await queue.enqueue(job(i))).toBe('queued');
        acked.push(`fo-${i}`);
      }
      const lines = (file: string) => readFileSync(file, 'utf8').split('\n').filter(Boolean);
      await waitUntil('20 jobs to be running', async () => lines(attempts).length >= RUNNING, 10_000, 20);

      // The master dies under 20 running jobs and 100 queued ones.
      const oldMaster = await lab!.masterPort();
      const killedAt = Date.now();
      lab!.kill(oldMaster, signal);
      // Commands sent while it fails over (one every 300 ms) are either acknowledged, and then count
      // like the others, or refused saying nothing was queued.
      const during: Array<{ id: string; answer: string }> = [];
      const sending = (async () => {
        for (let i = 200; i < 210; i++) {
          const id = `fo-${i}`;
          const answer = await queue.enqueue(job(i)).then(
            (a) => a,
            (err: Error) => err.message,
          );
          during.push({ id, answer });
          if (answer === 'queued') acked.push(id);
          await new Promise((r) => setTimeout(r, 300));
        }
      })();
      await waitUntil('the sentinels to promote the replica', async () => (await lab!.masterPort()) !== oldMaster, 20_000, 50);
      const promotedMs = Date.now() - killedAt;
      if (signal === 'SIGSTOP') {
        lab!.kill(oldMaster, 'SIGCONT');
        await waitUntil('the old master to be demoted to a replica', async () => (await lab!.role(oldMaster)) === 'slave', 20_000, 100);
      }
      await sending;
      for (const { answer } of during) {
        expect(answer).toMatch(/^queued$|nothing was queued/);
        // What the user reads says what happened, not which ioredis option refused.
        expect(answer).not.toMatch(/maxRetriesPerRequest|enableOfflineQueue|Connection is closed/);
      }

      // Every acknowledged job ends: completed with its effect, or failed and saying why.
      const bull = new Queue<JobData>('jobs', { connection: connect('commands', 'test-look'), prefix: keys.bull });
      closers.push(() => bull.close());
      const outcome = async (id: string) => {
        const j = await bull.getJob(id);
        return j ? await j.getState() : 'missing';
      };
      // On a timeout the error says which jobs are stuck where, and what voxoz's record says of them.
      const stuck = async () => {
        const states = await Promise.all(acked.map(async (id) => ({ id, state: await outcome(id) })));
        return states.filter((s) => s.state !== 'completed' && s.state !== 'failed');
      };
      await waitUntil('every acknowledged job to end', async () => (await stuck()).length === 0, 60_000, 250).catch(async (err: Error) => {
        const left = await stuck();
        const records = await Promise.all(
          left.slice(0, 10).map(async (j) => `${j.id} ${j.state}/${await redis.hget(keys.job(j.id), 'state')}`),
        );
        throw new Error(
          `${err.message}: ${left.length} not ended (${records.join(', ')}); attempts ${lines(attempts).length}, effects ${lines(effects).length}`,
        );
      });
      const resumedMs = Date.now() - killedAt;

      const effectCount = new Map<string, number>();
      for (const line of lines(effects)) {
        const id = line.split(' ')[0]!;
        effectCount.set(id, (effectCount.get(id) ?? 0) + 1);
      }
      const failed: Array<{ id: string; reason: string }> = [];
      for (const id of acked) {
        expect(effectCount.get(id) ?? 0, `effects of ${id}`).toBeLessThanOrEqual(1);
        const state = await outcome(id);
        if (state === 'completed') expect(effectCount.get(id), `${id} completed without its effect`).toBe(1);
        else {
          const done = (await redis.xrange(keys.events(id), '-', '+'))
            .map(([, f]) => JSON.parse(f[1]!))
            .find((e: { type: string }) => e.type === 'done');
          const reason = done?.result?.text ?? (await bull.getJob(id))?.failedReason ?? '';
          expect(reason, `${id} failed without saying why`).not.toBe('');
          failed.push({ id, reason });
        }
      }
      // A command refused during the failover never had an effect.
      for (const { id, answer } of during) if (answer !== 'queued') expect(effectCount.get(id)).toBeUndefined();

      // The same workers, no restart: jobs run after the failover, and a new command runs too.
      const afterKill = lines(effects).filter((l) => Number(l.split(' ')[1]) > killedAt + promotedMs).length;
      expect(afterKill).toBeGreaterThan(0);
      // A new command is acknowledged once the new master has a replica in sync again (the old
      // master, demoted, syncs first); until then it is refused, each try a new command.
      let next = 300;
      const refusedAfter: string[] = [];
      const reasons = new Map<string, number>();
      await waitUntil(
        'a command after the failover to be acknowledged',
        async () => {
          const answer = await queue.enqueue(job(next)).then(
            (a) => a,
            (err: Error) => err.message,
          );
          if (answer === 'queued') return true;
          expect(answer).toMatch(/nothing was queued/);
          reasons.set(answer, (reasons.get(answer) ?? 0) + 1);
          refusedAfter.push(`fo-${next}`);
          next += 1;
          return false;
        },
        30_000,
        250,
      ).catch(async (err: Error) => {
        // Seen once in a full CI run (not reproduced alone or beside CPU hogs): say why it was refused, and who is master.
        const master = await lab!.masterPort().catch((e: Error) => e.message);
        const info = await redis.info('replication').catch((e: Error) => e.message);
        throw new Error(
          `${err.message}: refused ${refusedAfter.length} times (${[...reasons].map(([r, n]) => `${n}× ${r}`).join('; ')}); ` +
            `the sentinels name ${master} (replica ${lab!.ports.replica}); the commands client's server says ${info.replace(/\r?\n/g, ' ')}`,
        );
      });
      await waitUntil('a job sent after the failover to run', async () => (await outcome(`fo-${next}`)) === 'completed', 20_000, 100);
      for (const id of refusedAfter) expect(effectCount.get(id)).toBeUndefined();
      expect(await lab!.masterPort()).toBe(lab!.ports.replica);

      const redelivered = lines(attempts).length - new Set(lines(attempts)).size;
      console.info(
        `failover (${signal}): promoted in ${promotedMs} ms, every acknowledged job ended ${resumedMs} ms after the kill; ` +
          `${acked.length} acknowledged (${during.filter((d) => d.answer === 'queued').length} of 10 sent during the failover: ${during.map((d) => (d.answer === 'queued' ? 'Q' : '-')).join('')}), ` +
          `${effectCount.size} effects, ${failed.length} failed (${failed.map((f) => `${f.id}: ${f.reason}`).join('; ') || 'none'}), ` +
          `${redelivered} redeliveries, ${afterKill} effects after the promotion, ${refusedAfter.length} commands refused after the jobs ended; ` +
          `whole test ${Date.now() - started} ms`,
      );
      expect(Date.now() - started).toBeLessThan(90_000);
    },
    100_000,
  );
});
