/**
 * Queue benchmark: `node bin/run-ts.js bench/queue-bench.ts`. Same run, same redis-server (always
 * the bench's own, on loopback: REDIS_URL is ignored, this floods queues), no-op jobs:
 *   a. throughput: JOBS jobs queued while the queue is paused, then taken by 1, 2 and 4 worker
 *      processes (bench/queue-worker-process.ts): voxoz's real worker pool on voxoz's queue, jobs
 *      queued by the real dispatcher (`status hello`), against a plain BullMQ Queue + Worker with
 *      the same concurrency (voxoz's default `worker.concurrency`, or QUEUE_BENCH_CONCURRENCY), carrying jobs of the same shape
 *      with the same job options. Timed from resume to the last job's finishedOn (bare) or to
 *      the later of that and the last job's end in voxoz's records (voxoz). Each side's worker
 *      processes are started and warmed up once; then ROUNDS pairs of timed drains, the two of a
 *      pair one right after the other, which side goes first alternating (this machine's speed
 *      swings by 2–4× within minutes: runs minutes apart compared the machine more than the code).
 *      The redis-server's append-only file is rewritten before each pair, never by itself in a drain.
 *      Target: the median pair's ratio, voxoz ≥ 0.8× bare.
 *   b. command → job start with a free worker (one process): LATENCY_COMMANDS commands one after
 *      another, from the dispatcher's enqueue call (voxoz) or queue.add (bare) to the processor's
 *      first line. Target: p95 ≤ 50 ms.
 * Prints MET / NOT MET; exits non-zero only when it could not run. Every worker process is killed
 * at the end, also on error. Knobs (environment, for looking closer; the defaults are the bench):
 * QUEUE_BENCH_PROCESSES (1,2,4), QUEUE_BENCH_ROUNDS (6), QUEUE_BENCH_WARMUP (500 per process in each of two warm-up drains), QUEUE_BENCH_JOBS
 * (2000), QUEUE_BENCH_CONCURRENCY (voxoz's default, 2; 1–64, both sides), QUEUE_BENCH_PROFILE and
 * QUEUE_BENCH_COMMANDSTATS (below).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import { Job, Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { validateConfig } from '../src/config/load-config.ts';
import type { JobData } from '../src/core/types.ts';
import { JOB_FIELD } from '../src/store/job-fields.ts';
import { waitUntil } from '../src/services/wait-until.ts';
import { scriptedDriver } from '../test/support/scripted-driver.ts';
import { type Spine, startSpine } from '../test/support/spine-harness.ts';
import { benchRedis, holdAofRewrites, rewriteAofNow } from './own-redis.ts';
import type { WorkerProcessArgs, WorkerProcessMessage } from './queue-worker-process.ts';

/**
 * A whole number from the environment (the knobs below), or `fallback`; anything else stops the
 * bench before it starts, saying what would be right.
 */
function knob(name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new Error(`${name}=${raw}: expected a whole number ${max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `from ${min} to ${max}`}`);
  return n;
}
/** Timed jobs per drain. QUEUE_BENCH_JOBS. */
const JOBS = knob('QUEUE_BENCH_JOBS', 2000, 100);
/** Jobs each worker process of a run takes (about) in each warm-up drain before the timed one (see warmUp). QUEUE_BENCH_WARMUP. */
const WARMUP = knob('QUEUE_BENCH_WARMUP', 500, 0);
/** BullMQ keeps this many completed jobs (`removeOnComplete.count`, as voxoz queues them); the drain counts them. */
const KEPT_COMPLETED = 5000;
/** Pairs of timed drains (bare and voxoz) per number of processes: the table shows the median ratio and the range. QUEUE_BENCH_ROUNDS. */
const ROUNDS = knob('QUEUE_BENCH_ROUNDS', 6, 1);
/** QUEUE_BENCH_PROCESSES: a comma-separated list, e.g. `2` or `1,4`. */
const PROCESSES = (process.env.QUEUE_BENCH_PROCESSES || '1,2,4').split(',').map((n) => {
  const v = Number(n);
  if (!Number.isInteger(v) || v < 1 || v > 8) throw new Error(`QUEUE_BENCH_PROCESSES: "${n}" is not a process count from 1 to 8`);
  return v;
});
/**
 * The untimed jobs of a run on `processes` worker processes: WARMUP for each, so every process
 * has run its code as long before it is timed (500 for four processes left each 125, which was
 * still compiling when timed).
 */
const warmupFor = (processes: number) => WARMUP * processes;
/**
 * The warm-up drains before the timed one, each ending with the queue empty and the workers
 * idle, as the timed drain starts. The first time a worker falls idle and waits, V8 drops the
 * optimised code of its hottest functions (`--trace-deopt`: BullMQ's handleCompleted and
 * mainLoop, ioredis' Command, on both sides) and compiles them again once they are hot. With one
 * warm-up drain of 500 jobs that recompiling fell in the timed drain, and more of it for voxoz's
 * larger path (one process: 680 ms of compiling there against bare's 420); after two drains it is
 * about even (270 against 260 ms).
 */
const WARMUP_CYCLES = 2;
if (warmupFor(Math.max(...PROCESSES)) > KEPT_COMPLETED || JOBS > KEPT_COMPLETED)
  throw new Error(
    `QUEUE_BENCH_WARMUP × processes (${warmupFor(Math.max(...PROCESSES))}) and QUEUE_BENCH_JOBS (${JOBS}): each at most ${KEPT_COMPLETED} (completed jobs kept)`,
  );
const LATENCY_COMMANDS = 200;
const THROUGHPUT_TARGET = 0.8;
const P95_TARGET_MS = 50;
/** Commands queued at once while filling a queue (the users' cap is 20 unfinished jobs each, so they come from many users). */
const FILL_PARALLEL = 50;
/** The users the jobs come from, 20 unfinished jobs each: room for 10,000 queued at once (a larger QUEUE_BENCH_WARMUP). */
const USERS = 500;
/** The config spine-harness.ts uses by default: the app `status hello` names. */
const BENCH_CONFIG = { apps: [{ name: 'hello', source: { path: '/nonexistent' }, port: 18080 }] };
/** Slots per worker process, bare and voxoz alike. QUEUE_BENCH_CONCURRENCY; by default voxoz's default `worker.concurrency`. */
const CONCURRENCY = knob('QUEUE_BENCH_CONCURRENCY', validateConfig(BENCH_CONFIG, '/bench/voxoz.yml').worker.concurrency, 1, 64);

const PROFILE_DIR = process.env.QUEUE_BENCH_PROFILE;
/** QUEUE_BENCH_COMMANDSTATS=1: each drain prints the Redis commands per job it cost (INFO commandstats; the bench's own polling included). */
const COMMANDSTATS = process.env.QUEUE_BENCH_COMMANDSTATS === '1';

/** Per command: calls per job and Redis' µs per job in it (INFO commandstats), for those called at least once per 100 jobs or costing at least 0.5 µs per job. */
async function callsPerJob(client: Redis): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [, cmd, calls, usec] of (await client.info('commandstats')).matchAll(/cmdstat_([a-z|]+):calls=(\d+),usec=(\d+)/g))
    if (Number(calls) >= JOBS / 100 || Number(usec) >= JOBS / 2)
      out[cmd!] = `${(Number(calls) / JOBS).toFixed(2)} calls, ${(Number(usec) / JOBS).toFixed(1)} µs`;
  return out;
}

const clock = () => performance.timeOrigin + performance.now();
const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(q * xs.length) - 1)]!;
/** The middle value, or the mean of the two middle values of an even count. */
const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const met = (ok: boolean) => (ok ? 'MET' : 'NOT MET');

const children = new Set<ChildProcess>();
const killAll = () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
};
process.on('exit', killAll);

interface WorkerProcess {
  started: Map<string, number>;
  onStart?: (id: string) => void;
  /** Its CPU is counted from now on (after the warm-up). */
  mark(): void;
  /** The CPU ms it used since it was marked. */
  cpu(): Promise<number>;
  /** Stops it; how many times its processor ran and the CPU ms it used since it was ready (or marked). */
  stop(): Promise<{ ran: number; cpuMs: number }>;
}

/** Starts one worker process and resolves once its worker is ready. */
function startWorkerProcess(args: WorkerProcessArgs): Promise<WorkerProcess> {
  const child = fork(
    join(import.meta.dirname, '../bin/run-ts.js'),
    [join(import.meta.dirname, 'queue-worker-process.ts'), JSON.stringify(args)],
    {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      // QUEUE_BENCH_PROFILE=<dir>: each worker process writes a V8 CPU profile there (where a job's CPU goes).
      execArgv: PROFILE_DIR ? [...process.execArgv, '--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : process.execArgv,
    },
  );
  children.add(child);
  const proc: WorkerProcess = {
    started: new Map(),
    mark: () => child.send({ type: 'mark' }),
    cpu: () =>
      new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('a worker process did not say its CPU time within 10 s')), 10_000);
        const answer = (m: WorkerProcessMessage) => {
          if (m.type !== 'cpu') return;
          clearTimeout(timer);
          child.off('message', answer);
          resolve(m.cpuMs);
        };
        child.on('message', answer);
        child.send({ type: 'cpu' });
      }),
    // One that is gone already (stopped before, or died) has nothing more to say.
    stop: () =>
      new Promise<{ ran: number; cpuMs: number }>((resolve, reject) => {
        if (!child.connected) return resolve({ ran: 0, cpuMs: 0 });
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error('a worker process did not stop within 10 s'));
        }, 10_000);
        child.on('message', (m: WorkerProcessMessage) => {
          if (m.type === 'stopped') {
            clearTimeout(timer);
            resolve({ ran: m.ran, cpuMs: m.cpuMs });
          }
        });
        child.send({ type: 'stop' });
      }),
  };
  return new Promise((resolve, reject) => {
    child.on('message', (m: WorkerProcessMessage) => {
      if (m.type === 'ready') resolve(proc);
      if (m.type === 'failed') reject(new Error(`worker process failed: ${m.error}`));
      if (m.type === 'started') {
        proc.started.set(m.id, m.at);
        proc.onStart?.(m.id);
      }
    });
    child.once('exit', (code) => reject(new Error(`worker process exited (${code}) before it was ready`)));
  });
}

async function startWorkerProcesses(n: number, args: WorkerProcessArgs): Promise<WorkerProcess[]> {
  return Promise.all(Array.from({ length: n }, () => startWorkerProcess(args)));
}

/** Stops the processes, checks that their processors ran `expected` times in all; their CPU ms in all. */
async function stopAll(procs: WorkerProcess[], expected: number, what: string): Promise<number> {
  const stopped = await Promise.all(procs.map((p) => p.stop()));
  const ran = stopped.reduce((a, s) => a + s.ran, 0);
  if (ran !== expected) throw new Error(`${what}: the processors ran ${ran} times, expected ${expected}`);
  return stopped.reduce((a, s) => a + s.cpuMs, 0);
}

/** Jobs per second, and the worker processes' CPU µs per job. */
interface Throughput {
  rate: number;
  cpuUsPerJob: number;
  /** redis-server's CPU µs per job over the same drain. */
  redisUsPerJob: number;
  /** The bench's own process (the bot: dispatcher, completions' reader, and the bench's polling) CPU µs per job over the drain. */
  botUsPerJob: number;
}

/** The name spine-harness.ts gave redisKeys (its keys are `{name}:…`), for the worker processes. */
const keysName = (spine: Spine) => spine.keys.bull.slice(1, -'}:bull'.length);

const invocation = (i: number, text: string) => ({
  platform: 'local',
  user: { id: `local:u${i % USERS}`, name: `u${i % USERS}` },
  conversation: 'local',
  text,
  receivedAt: new Date(),
});

/**
 * Resumes the paused queue and waits until `JOBS` jobs completed: jobs per second from the resume
 * to the last finishedOn, and the redis-server's CPU µs per job meanwhile (INFO cpu).
 */
async function drain(
  queue: Queue,
  client: Redis,
  what: string,
  /** When the last job was over by voxoz's records (ms), if later than BullMQ's last completion. */
  endedAt?: () => Promise<number>,
): Promise<{ rate: number; redisUsPerJob: number; botUsPerJob: number }> {
  const redisCpu = async () => {
    const info = await client.info('cpu');
    const num = (k: string) => Number(new RegExp(`${k}:([0-9.]+)`).exec(info)?.[1] ?? 0);
    return num('used_cpu_sys') + num('used_cpu_user');
  };
  const cpu0 = await redisCpu();
  const bot0 = process.cpuUsage();
  if (COMMANDSTATS) await client.config('RESETSTAT');
  const start = Date.now();
  await queue.resume();
  await waitUntil(`${what}: ${JOBS} jobs completed`, async () => (await client.zcard(queue.toKey('completed'))) >= JOBS, 120_000, 10);
  const failed = await client.zcard(queue.toKey('failed'));
  if (failed > 0) throw new Error(`${what}: ${failed} jobs failed`);
  const [, completed] = await client.zrange(queue.toKey('completed'), '-1', '-1', 'WITHSCORES');
  const last = Math.max(Number(completed), (await endedAt?.()) ?? 0);
  if (COMMANDSTATS) console.log(`${what}: Redis per job`, JSON.stringify(await callsPerJob(client)));
  const bot = process.cpuUsage(bot0);
  return {
    rate: JOBS / ((last - start) / 1000),
    redisUsPerJob: (((await redisCpu()) - cpu0) * 1e6) / JOBS,
    botUsPerJob: (bot.user + bot.system) / JOBS,
  };
}

/**
 * When the last job's end (its `done`, written with "the job is over") was in Redis, in ms: a
 * stream id starts with Redis' clock. A job is not through voxoz's queue before its end is
 * written: by itself just before BullMQ's completion, or in the completion's own script (a job
 * that holds no app, end-with-completion.ts); either way the last completed job's end is the last
 * one written.
 */
async function lastEnd(spine: Spine, queue: Queue): Promise<number> {
  const [id = ''] = await spine.redis.zrange(queue.toKey('completed'), '-1', '-1');
  await waitUntil(
    'the last job over by its record',
    async () => (await spine.redis.hget(spine.keys.job(id), JOB_FIELD.state)) === 'finished',
    30_000,
    5,
  );
  const [newest] = await spine.redis.xrevrange(spine.keys.events(id), '+', '-', 'COUNT', 1);
  return Number(newest?.[0].split('-')[0] ?? 0);
}

/** Checks (untimed) that every completed job is over by its record. */
async function allOver(spine: Spine, queue: Queue): Promise<void> {
  const ids = await spine.redis.zrange(queue.toKey('completed'), '0', '-1');
  const states = await Promise.all(ids.map((id) => spine.redis.hget(spine.keys.job(id), JOB_FIELD.state)));
  const open = ids.filter((_, i) => states[i] !== 'finished');
  if (open.length > 0) throw new Error(`${open.length} completed jobs are not over by their records (e.g. ${open[0]})`);
}

/**
 * One side of the comparison (bare BullMQ or voxoz) on some worker processes, started and warmed
 * up once; its timed drains then alternate with the other side's (see the main loop).
 */
interface Side {
  /** Queues JOBS jobs on its paused queue (untimed), runnable before the clock starts. */
  fill(): Promise<void>;
  /** Resumes its queue and times the JOBS jobs queued by `fill`; then pauses it again, empty. */
  drain(): Promise<Throughput>;
  /** Stops its worker processes (their processors ran once per job queued) and removes its queue. */
  close(): Promise<void>;
}

/**
 * Times one drain of the JOBS jobs queued on `queue`: the worker processes' CPU meanwhile, then
 * the queue paused and its completed jobs cleaned (each drain counts its own).
 */
async function timedDrain(
  queue: Queue,
  client: Redis,
  procs: WorkerProcess[],
  what: string,
  endedAt?: () => Promise<number>,
  /** Checks (untimed) what the drain left, before its completed jobs are cleaned. */
  check?: () => Promise<void>,
): Promise<Throughput> {
  for (const p of procs) p.mark();
  const { rate, redisUsPerJob, botUsPerJob } = await drain(queue, client, what, endedAt);
  const cpuMs = (await Promise.all(procs.map((p) => p.cpu()))).reduce((a, b) => a + b, 0);
  await check?.();
  await queue.pause();
  await queue.clean(0, 0, 'completed');
  return { rate, cpuUsPerJob: (cpuMs * 1000) / JOBS, redisUsPerJob, botUsPerJob };
}

async function startVoxoz(redisUrl: string, processes: number): Promise<Side> {
  const spine = await startSpine({ docker: scriptedDriver() }, BENCH_CONFIG, { redisUrl });
  const queue = new Queue<JobData>('jobs', { connection: spine.redis, prefix: spine.keys.bull });
  const warm = warmupFor(processes);
  let procs: WorkerProcess[] = [];
  /** Jobs queued so far (each one runs once). */
  let queued = 0;
  /** Queues n jobs by the dispatcher, from many users, and waits until they are runnable (confirmed and marked). */
  const fill = async (n: number) => {
    const from = queued;
    const ids: string[] = [];
    for (let i = 0; i < n; i += FILL_PARALLEL) {
      const outcomes = await Promise.all(
        Array.from({ length: Math.min(FILL_PARALLEL, n - i) }, (_, k) => spine.dispatcher.handle(invocation(from + i + k, 'status hello'))),
      );
      const refused = outcomes.find((o) => o.type !== 'queued');
      if (refused) throw new Error(`status hello was not queued: ${refused.reply.title} ${refused.reply.text ?? ''}`);
      for (const o of outcomes) if (o.type === 'queued') ids.push(o.jobId);
    }
    queued += n;
    // The confirms (and then the marks) are written after "queued" is answered: every job runnable before the clock starts.
    await waitUntil('every confirm', async () => (await spine.redis.scard(spine.keys.relayActive)) >= queued, 30_000, 10);
    await waitUntil(
      'the last jobs marked',
      async () =>
        (await Promise.all(ids.slice(-FILL_PARALLEL).map((id) => Job.fromId<JobData>(queue, id)))).every((j) => j?.data.confirmed),
      30_000,
      10,
    );
  };
  const close = async () => {
    try {
      await stopAll(procs, queued, `voxoz on ${processes}`);
    } finally {
      for (const p of procs) await p.stop().catch(() => undefined);
      await queue.close();
      await spine.close();
    }
  };
  try {
    await queue.pause();
    procs = await startWorkerProcesses(processes, {
      mode: 'voxoz',
      redisUrl,
      name: keysName(spine),
      concurrency: CONCURRENCY,
      config: BENCH_CONFIG,
      report: false,
    });
    await warmUp(queue, spine.redis, warm, fill, () => lastEnd(spine, queue));
  } catch (err) {
    await close().catch(() => undefined);
    throw err;
  }
  return {
    fill: () => fill(JOBS),
    drain: () =>
      timedDrain(
        queue,
        spine.redis,
        procs,
        `voxoz on ${processes}`,
        () => lastEnd(spine, queue),
        () => allOver(spine, queue),
      ),
    close,
  };
}

/**
 * The untimed jobs of a run, `warm` in each of WARMUP_CYCLES drains: the worker processes' code
 * is compiled by V8 as it runs, so the first hundreds of jobs are slower, more so for the process
 * with more code. The bench measures the rate a running worker keeps up.
 */
async function warmUp(
  queue: Queue,
  client: Redis,
  warm: number,
  fill: (n: number) => Promise<void>,
  ended?: () => Promise<number>,
): Promise<void> {
  if (warm === 0) return;
  for (let cycle = 0; cycle < WARMUP_CYCLES; cycle++) {
    await fill(warm);
    await queue.resume();
    await waitUntil('the warm-up jobs completed', async () => (await client.zcard(queue.toKey('completed'))) >= warm, 60_000, 10);
    await ended?.();
    await queue.pause();
    // Each drain counts its own completed jobs (the timed one too).
    await queue.clean(0, 0, 'completed');
  }
}

/** The job options voxoz's enqueue gives every job (src/jobs/enqueue-job.ts), for the bare queue too. */
const SAME_OPTS = {
  attempts: validateConfig(BENCH_CONFIG, '/bench/voxoz.yml').worker.attempts,
  backoff: { type: 'exponential', delay: 2000 },
  removeOnComplete: { age: 7 * 24 * 3600, count: KEPT_COMPLETED },
  removeOnFail: { age: 7 * 24 * 3600, count: 5000 },
};
/** A job of the same shape and size as the one voxoz queues for `status hello`: bare BullMQ carries the same data. */
const sameJob = (id: string, i: number): JobData => ({
  id,
  kind: 'status',
  command: 'status hello',
  app: 'hello',
  env: 'production',
  args: {},
  requestedBy: { id: `local:u${i % USERS}`, name: `u${i % USERS}` },
  thread: { platform: 'local', conversation: 'local' },
  requestedAt: new Date().toISOString(),
});

async function startBare(redisUrl: string, processes: number, concurrency: number): Promise<Side> {
  const name = `bare-${process.pid}-${processes}`;
  const client = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue(name, { connection: client });
  const warm = warmupFor(processes);
  let procs: WorkerProcess[] = [];
  let queued = 0;
  const fill = async (n: number) => {
    for (let i = queued; i < queued + n; i += 500)
      await queue.addBulk(
        Array.from({ length: Math.min(500, queued + n - i) }, (_, k) => {
          const id = `b${i + k}`;
          return { name: 'status', data: sameJob(id, i + k), opts: { jobId: id, ...SAME_OPTS } };
        }),
      );
    queued += n;
  };
  const close = async () => {
    try {
      await stopAll(procs, queued, `bare on ${processes}`);
    } finally {
      for (const p of procs) await p.stop().catch(() => undefined);
      await queue.obliterate({ force: true }).catch(() => undefined);
      await queue.close();
      await client.quit();
    }
  };
  try {
    await queue.pause();
    procs = await startWorkerProcesses(processes, { mode: 'bare', redisUrl, name, concurrency, report: false, config: BENCH_CONFIG });
    await warmUp(queue, client, warm, fill);
  } catch (err) {
    await close().catch(() => undefined);
    throw err;
  }
  return {
    fill: () => fill(JOBS),
    drain: () => timedDrain(queue, client, procs, `bare on ${processes}`),
    close,
  };
}

/** Sends `enqueue(i)` LATENCY_COMMANDS times, each after the previous job started; ms from `t0` to the processor's start. */
async function startLatencies(proc: WorkerProcess, enqueue: (i: number, t0: (id: string) => void) => Promise<void>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < LATENCY_COMMANDS; i++) {
    let sentAt = 0;
    let id = '';
    const started = new Promise<void>((resolve) => {
      proc.onStart = (s) => {
        if (s === id) resolve();
      };
    });
    await enqueue(i, (jobId) => {
      id = jobId;
      sentAt = clock();
    });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      started,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`job ${id} did not start within 10 s`)), 10_000);
      }),
    ]).finally(() => clearTimeout(timer));
    out.push(proc.started.get(id)! - sentAt);
    // A free worker: the no-op job ends long before the next command (chat commands are not back to back).
    await new Promise((r) => setTimeout(r, 5));
  }
  return out;
}

async function voxozLatency(redisUrl: string): Promise<{ enqueue: number[]; command: number[] }> {
  const spine = await startSpine({ docker: scriptedDriver() }, BENCH_CONFIG, { redisUrl });
  const proc = await startWorkerProcess({
    mode: 'voxoz',
    redisUrl,
    name: keysName(spine),
    concurrency: CONCURRENCY,
    report: true,
    config: BENCH_CONFIG,
  });
  try {
    // The dispatcher calls queue.enqueue once it has parsed and authorised the command: the clock starts there.
    const enqueue = spine.queue.enqueue.bind(spine.queue);
    let mark: ((id: string) => void) | undefined;
    spine.queue.enqueue = (data) => {
      mark?.(data.id);
      return enqueue(data);
    };
    const commandAt = new Map<string, number>();
    const fromEnqueue = await startLatencies(proc, async (i, t0) => {
      const received = clock();
      mark = (id) => {
        commandAt.set(id, received);
        t0(id);
      };
      const outcome = await spine.dispatcher.handle(invocation(i, 'status hello'));
      if (outcome.type !== 'queued') throw new Error(`status hello was not queued: ${outcome.reply.title}`);
    });
    const fromCommand = [...proc.started].map(([id, at]) => at - commandAt.get(id)!);
    await stopAll([proc], LATENCY_COMMANDS, 'voxoz latency');
    return { enqueue: fromEnqueue, command: fromCommand };
  } finally {
    await proc.stop().catch(() => undefined);
    await spine.close();
  }
}

async function bareLatency(redisUrl: string, concurrency: number): Promise<number[]> {
  const name = `bare-latency-${process.pid}`;
  const client = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue(name, { connection: client });
  const proc = await startWorkerProcess({ mode: 'bare', redisUrl, name, concurrency, report: true, config: BENCH_CONFIG });
  try {
    const out = await startLatencies(proc, async (i, t0) => {
      t0(`l${i}`);
      await queue.add('noop', { id: `l${i}` });
    });
    await stopAll([proc], LATENCY_COMMANDS, 'bare latency');
    return out;
  } finally {
    await proc.stop().catch(() => undefined);
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    await client.quit();
  }
}

// Always a private server: the bench floods its queues and must never touch a user's Redis.
delete process.env.REDIS_URL;
const own = await benchRedis();
/** For the append-only file's rewrites: between pairs, never in a timed drain. */
const admin = new Redis(own.url, { maxRetriesPerRequest: null });
await holdAofRewrites(admin);
// Interrupted, or its output closed (piped into `head`): the worker processes and the redis-server go too.
const stopEarly = (code: number) => {
  killAll();
  void own.stop().finally(() => process.exit(code));
};
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => stopEarly(130));
process.stdout.on('error', () => stopEarly(1));
try {
  const began = Date.now();
  const rows: string[] = [];
  const cpu: string[] = [];
  /** Each pair's ratio, in the order run. */
  const pairs: string[] = [];
  for (const n of PROCESSES) {
    const runs: Array<{ bare: Throughput; vox: Throughput; ratio: number }> = [];
    const bareSide = await startBare(own.url, n, CONCURRENCY);
    try {
      const voxozSide = await startVoxoz(own.url, n);
      try {
        for (let round = 0; round < ROUNDS; round++) {
          await bareSide.fill();
          await voxozSide.fill();
          await rewriteAofNow(admin);
          // The two drains of a pair follow each other within a second or two, and which goes
          // first alternates: a machine that speeds up or slows down favours neither side.
          const first = round % 2 === 0 ? await bareSide.drain() : await voxozSide.drain();
          const second = round % 2 === 0 ? await voxozSide.drain() : await bareSide.drain();
          const [bare, vox] = round % 2 === 0 ? [first, second] : [second, first];
          runs.push({ bare, vox, ratio: vox.rate / bare.rate });
        }
      } finally {
        await voxozSide.close();
      }
    } finally {
      await bareSide.close();
    }
    pairs.push(`${n}: ${runs.map((r) => r.ratio.toFixed(2)).join(' ')}`);
    const ratio = median(runs.map((r) => r.ratio));
    /** The CPU per job over all the timed drains of a side. */
    const mean = (side: 'bare' | 'vox', k: Exclude<keyof Throughput, 'rate'>) => runs.reduce((a, r) => a + r[side][k], 0) / runs.length;
    const range = `${Math.min(...runs.map((r) => r.ratio)).toFixed(2)}–${Math.max(...runs.map((r) => r.ratio)).toFixed(2)}×`;
    rows.push(
      `| ${n} | ${median(runs.map((r) => r.bare.rate)).toFixed(0)} | ${median(runs.map((r) => r.vox.rate)).toFixed(0)} | ${ratio.toFixed(2)}× | ${range} | ≥ ${THROUGHPUT_TARGET}× | ${met(ratio >= THROUGHPUT_TARGET)} |`,
    );
    cpu.push(
      `| ${n} | ${(['bare', 'vox'] as const).flatMap((side) => (['cpuUsPerJob', 'redisUsPerJob', 'botUsPerJob'] as const).map((k) => `${mean(side, k).toFixed(0)} µs`)).join(' | ')} |`,
    );
  }
  console.log(
    `| processes (${JOBS} no-op jobs after ${WARMUP_CYCLES} × ${WARMUP} untimed per process, concurrency ${CONCURRENCY} each; the median of ${ROUNDS} pairs) | bare jobs/s (median) | voxoz jobs/s (median) | ratio (median) | range | target | met? |`,
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const r of rows) console.log(r);
  console.log(`\nEach pair's ratio, in the order run (bare drained first in the 1st, 3rd, … pair), by processes: ${pairs.join('; ')}\n`);
  console.log(
    '| processes (mean of the timed drains) | bare: workers CPU per job | bare: redis-server | bare: bench process | voxoz: workers | voxoz: redis-server | voxoz: bench process (bot) |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const c of cpu) console.log(c);

  const bare = await bareLatency(own.url, CONCURRENCY);
  const vox = await voxozLatency(own.url);
  const line = (what: string, xs: number[], target: boolean) =>
    `| ${what} | ${quantile(xs, 0.5).toFixed(1)} ms | ${quantile(xs, 0.95).toFixed(1)} ms | ${Math.max(...xs).toFixed(1)} ms | ${
      target ? `≤ ${P95_TARGET_MS} ms | ${met(quantile(xs, 0.95) <= P95_TARGET_MS)}` : '– | –'
    } |`;
  console.log('');
  console.log(`| command → job start, ${LATENCY_COMMANDS} sequential, 1 free worker process | p50 | p95 | max | target p95 | met? |`);
  console.log('| --- | --- | --- | --- | --- | --- |');
  console.log(line('bare BullMQ: queue.add → processor', bare, false));
  console.log(line('voxoz: queue.enqueue (by the dispatcher) → processor', vox.enqueue, true));
  console.log(line('voxoz: dispatcher.handle → processor', vox.command, false));
  console.log(`\n(${((Date.now() - began) / 1000).toFixed(0)} s)`);
} finally {
  killAll();
  await admin.quit().catch(() => undefined);
  await own.stop();
}
