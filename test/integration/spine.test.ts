import { afterEach, describe, expect, it } from 'vitest';
import { UserError } from '../../src/core/user-error.ts';
import { readWholeJobStream } from '../../src/jobs/job-stream.ts';
import { createJobQueue } from '../../src/jobs/job-queue.ts';
import { createDispatcher } from '../../src/dispatch/dispatcher.ts';
import { createRegistry } from '../../src/dispatch/command-registry.ts';
import { requesterPolicy } from '../../src/dispatch/policy.ts';
import { commands } from '../../commands/index.ts';
import { silentLogger } from '../../src/observability/logger.ts';
import { redisKeys } from '../../src/store/keys.ts';
import { findFreePort } from '../../src/services/free-port.ts';
import { waitUntil } from '../../src/services/wait-until.ts';
import { scriptedDriver, untilAborted } from '../support/scripted-driver.ts';
import { startSpine, type Spine } from '../support/spine-harness.ts';
import { dispatchStores } from '../support/dispatch-stores.ts';

let spine: Spine | undefined;
afterEach(async () => {
  await spine?.close();
  spine = undefined;
});

describe('command → queue → worker → stream → relay → thread, on real Redis', () => {
  it('deploys: parent queued then edited in place, log batches in the thread, full log file, release recorded', async () => {
    spine = await startSpine({
      docker: scriptedDriver({
        build: async (io) => {
          for (let i = 0; i < 50; i++) io.log(`build line ${i} token=hunter22`);
        },
      }),
    });
    await spine.startWorkers();
    spine.startRelay();
    const { thread, job } = await spine.say('alice', 'deploy hello');
    const ended = await spine.waitForEnd(thread);
    const [command, parent, ...rest] = ended.messages;
    expect(command).toMatchObject({ kind: 'command', author: 'alice', text: 'deploy hello' });
    expect(parent!.kind).toBe('parent');
    expect(parent!.reply).toMatchObject({ title: 'hello v1 live (1/1 healthy)', status: 'succeeded' });
    expect(parent!.edits).toBeGreaterThanOrEqual(1);
    const logs = rest
      .filter((m) => m.kind === 'log')
      .map((m) => m.text)
      .join('\n');
    expect(logs).toContain('build line 49 token=••••');
    expect(logs).not.toContain('hunter22');
    const file = rest.find((m) => m.kind === 'file');
    expect(file?.file?.content.split('\n').filter(Boolean)).toHaveLength(52);
    expect(file?.file?.content).not.toContain('hunter22');
    expect(rest.at(-1)!.kind).toBe('file');
    const releases = await spine.releases.list('hello', 'production');
    expect(releases).toMatchObject([{ number: 1, outcome: 'live', deployedBy: 'local:alice', jobId: job }]);
    // The first version of the parent said "queued": the stream starts with it and the relay posted it first.
    const events = await readWholeJobStream(spine.redis, spine.keys, job!);
    expect(events[0]!.event.type).toBe('queued');
    expect(await spine.redis.sismember(spine.keys.relayActive, job!)).toBe(0);
  });

  it('shows a UserError as it is (secrets masked) and does not retry it', async () => {
    const driver = scriptedDriver({
      build: async () => {
        throw new UserError('build_failed', 'the image build failed: COPY failed: file not found (token hunter22)');
      },
    });
    spine = await startSpine({ docker: driver });
    await spine.startWorkers();
    spine.startRelay();
    const { thread } = await spine.say('alice', 'deploy hello');
    const ended = await spine.waitForEnd(thread);
    expect(ended.outcome).toBe('failed');
    expect(ended.messages[1]!.reply).toMatchObject({
      title: 'deploy hello: failed',
      text: 'the image build failed: COPY failed: file not found (token ••••)',
      status: 'failed',
    });
    expect(driver.builds).toBe(1);
    expect(await spine.releases.list('hello', 'production')).toMatchObject([{ number: 1, outcome: 'failed' }]);
  });

  it('retries a transient fault, keeping the release number', async () => {
    const driver = scriptedDriver({
      build: async (_io, call) => {
        if (call === 1) throw new Error('connect ECONNRESET /var/run/docker.sock');
      },
    });
    spine = await startSpine(
      { docker: driver },
      { apps: [{ name: 'hello', source: { path: '/x' }, port: 18080 }], worker: { attempts: 2 } },
    );
    await spine.startWorkers();
    spine.startRelay();
    const { thread } = await spine.say('alice', 'deploy hello');
    const ended = await spine.waitForEnd(thread, 30_000);
    expect(ended.outcome).toBe('succeeded');
    expect(driver.builds).toBe(2);
    expect(
      ended.messages
        .filter((m) => m.kind === 'log')
        .map((m) => m.text)
        .join('\n'),
    ).toMatch(/attempt 1 failed \(ref [\w.-]{8,}\); retrying/);
    expect((await spine.releases.list('hello', 'production')).map((r) => r.number)).toEqual([1]);
  });

  it('refuses an environment the app does not have at once, naming the ones it has, with no job', async () => {
    const driver = scriptedDriver();
    spine = await startSpine({ docker: driver });
    const { thread, job } = await spine.say('alice', 'deploy hello --env staging');
    expect(job).toBeUndefined();
    expect((await spine.chat.thread(thread))!.messages[1]!.reply).toMatchObject({
      status: 'error',
      text: 'hello has no environment "staging" (it has: production); add it under apps[].environments in voxoz.yml',
    });
    // A name near one it has is taken for a typo.
    const typo = await spine.say('alice', 'status hello --env prod');
    expect(typo.job).toBeUndefined();
    expect(typo.reply?.text).toBe('hello has no environment "prod" (it has: production); did you mean "production"?');
    // With no app named, the environment must be one some app has.
    const noApp = await spine.say('alice', 'status --env prod');
    expect(noApp.job).toBeUndefined();
    expect(noApp.reply?.text).toBe('no app has an environment "prod" (the apps have: production); did you mean "production"?');
    const locks = await spine.say('alice', 'lock status --env qa');
    expect(locks.reply?.text).toBe(
      'no app has an environment "qa" (the apps have: production); add it under apps[].environments in voxoz.yml',
    );
    expect(await spine.redis.scard(spine.keys.relayActive)).toBe(0);
  });

  it('refuses what voxoz.yml rules out at once, with no job: a ref of an app built from a folder, a schedule it does not have, a promote to its own environment', async () => {
    const driver = scriptedDriver();
    spine = await startSpine({ docker: driver });
    const ref = await spine.say('alice', 'deploy hello main');
    expect(ref.job).toBeUndefined();
    expect(ref.reply).toMatchObject({
      status: 'error',
      title: 'deploy: no git refs',
      text: expect.stringMatching(
        /^hello builds from the folder \S+, so it has no git refs; run "deploy hello" without "main"\. Nothing was queued\.$/,
      ),
    });
    const schedule = await spine.say('alice', 'schedule run evening');
    expect(schedule.job).toBeUndefined();
    expect(schedule.reply).toMatchObject({
      status: 'error',
      title: 'schedule run: unknown schedule',
      text: expect.stringMatching(/^there is no schedule named "evening" in \S+ \(it has: none\)\. Nothing was queued\.$/),
    });
    const promote = await spine.say('alice', 'promote hello production production');
    expect(promote.job).toBeUndefined();
    expect(promote.reply).toMatchObject({
      status: 'error',
      title: 'promote: same environment',
      text: 'hello: promote needs two different environments, got "production" twice; e.g. "promote hello staging production". Nothing was queued.',
    });
    expect(driver.builds).toBe(0);
    expect(await spine.redis.scard(spine.keys.relayActive)).toBe(0);
  });

  it('status of every app tabulates instances and says which runtimes have no driver yet', async () => {
    const driver = {
      ...scriptedDriver(),
      status: async () => [
        {
          id: 'c1',
          name: 'voxoz-hello-production-v3-0',
          release: 3,
          state: 'running',
          healthy: true,
          startedAt: new Date(Date.now() - 125_000).toISOString(),
          address: '127.0.0.1:18080',
        },
      ],
    };
    spine = await startSpine(
      { docker: driver },
      {
        xen: { kernel: '/k', hosts: [{ name: 'dom0', address: 'local' }] },
        apps: [
          { name: 'hello', source: { path: '/x' }, port: 18080 },
          { name: 'erl', runtime: 'ling', source: { path: '/y' } },
        ],
      },
    );
    await spine.startWorkers();
    spine.startRelay();
    const { thread } = await spine.say('alice', 'status');
    const reply = (await spine.waitForEnd(thread)).messages[1]!.reply!;
    expect(reply.title).toBe('2 apps: 1/1 instances healthy (production)');
    expect(reply.code![0]).toMatch(
      /^instance\s+release\s+state\s+health\s+uptime\s+address\nvoxoz-hello-production-v3-0\s+v3\s+running\s+healthy\s+2m\d+s\s+127\.0\.0\.1:18080$/,
    );
    expect(reply.code![1]).toBe('erl: the ling runtime has no driver here yet');
    const one = await spine.say('alice', 'status erl');
    expect((await spine.waitForEnd(one.thread)).messages[1]!.reply!.text).toMatch(
      /^erl uses the ling runtime, which this voxoz has no driver for yet \(available: docker\)$/,
    );
  });

  it('status with no --env shows every environment an app has, each named; with --env only that one', async () => {
    const instance = (app: string, env: string) => ({
      id: `c-${app}-${env}`,
      name: `voxoz-${app}-${env}-v1-0`,
      release: 1,
      state: 'running',
      healthy: env === 'production',
      address: '127.0.0.1:18080',
    });
    const driver = { ...scriptedDriver(), status: async (app: { name: string }, env: string) => [instance(app.name, env)] };
    spine = await startSpine(
      { docker: driver },
      {
        apps: [
          { name: 'hello', source: { path: '/x' }, port: 18080, environments: { production: {}, staging: { port: 18180 } } },
          { name: 'web', source: { path: '/y' }, port: 18280 },
        ],
      },
    );
    await spine.startWorkers();
    spine.startRelay();
    const replyTo = async (text: string) => {
      const { thread } = await spine!.say('alice', text);
      return (await spine!.waitForEnd(thread)).messages[1]!.reply!;
    };
    const replicaLabels = (r: { fields?: Array<{ label: string }> }) =>
      r.fields?.map((f) => f.label).filter((l) => l.endsWith(' replicas'));
    const all = await replyTo('status');
    expect(all.title).toBe('2 apps: 2/3 instances healthy (production, staging)');
    expect(replicaLabels(all)).toEqual(['hello (production) replicas', 'hello (staging) replicas', 'web replicas']);
    expect(all.code?.map((t) => t.split('\n')[1]?.split(/\s+/)[0])).toEqual([
      'voxoz-hello-production-v1-0',
      'voxoz-hello-staging-v1-0',
      'voxoz-web-production-v1-0',
    ]);
    const hello = await replyTo('status hello');
    expect(hello.title).toBe('hello: 1/2 instances healthy (production, staging)');
    const staging = await replyTo('status --env staging');
    expect(staging.title).toBe('1 app: 0/1 instances healthy (staging)');
    expect(replicaLabels(staging)).toEqual(['hello replicas']);
  });

  it('names a connection fault once the attempts are spent, without internals', async () => {
    const fault = Object.assign(new Error('connect ECONNREFUSED /var/run/docker.sock'), {
      code: 'ECONNREFUSED',
      syscall: 'connect',
      address: '/var/run/docker.sock',
    });
    spine = await startSpine(
      {
        docker: scriptedDriver({
          build: async () => {
            throw fault;
          },
        }),
      },
      { apps: [{ name: 'hello', source: { path: '/x' }, port: 18080 }], worker: { attempts: 1 } },
    );
    await spine.startWorkers();
    spine.startRelay();
    const { thread } = await spine.say('alice', 'deploy hello');
    const reply = (await spine.waitForEnd(thread)).messages[1]!.reply!;
    expect(reply.text).toMatch(
      /^voxoz could not reach a service it needs \(connect ECONNREFUSED \/var\/run\/docker\.sock\); it tried once \(ref [\w.-]{8,}\); an operator can find/,
    );
    expect(reply.text).not.toContain('    at ');
  });

  it('closes a job that was recorded but never reached the queue, saying so', async () => {
    spine = await startSpine({ docker: scriptedDriver() });
    spine.startRelay({ lostAfterMs: 300 });
    // What a Redis failure between the job record and queue.add leaves behind.
    const thread = await spine.chat.openThread('alice', 'deploy hello');
    const job = {
      id: 'lost-1',
      kind: 'deploy',
      command: 'deploy hello',
      app: 'hello',
      env: 'production',
      args: { app: 'hello' },
      requestedBy: { id: 'local:alice', name: 'alice' },
      thread: { platform: 'local', conversation: 'local', meta: { thread: thread.id } },
      requestedAt: new Date().toISOString(),
    };
    await spine.redis
      .multi()
      .hset(spine.keys.job(job.id), 'data', JSON.stringify(job))
      .xadd(spine.keys.events(job.id), '*', 'e', JSON.stringify({ type: 'queued', at: job.requestedAt }))
      .sadd(spine.keys.relayActive, job.id)
      .exec();
    const ended = await spine.waitForEnd(thread.id);
    expect(ended.outcome).toBe('failed');
    expect(ended.messages[1]!.reply).toMatchObject({
      title: 'deploy hello: failed',
      text: 'The job queue lost this job while it was being queued (Redis failed); nothing ran. Send the command again.',
    });
  });

  it('does not close a job that is only waiting in the queue', async () => {
    spine = await startSpine({ docker: scriptedDriver() });
    spine.startRelay({ lostAfterMs: 200 });
    const { thread, job } = await spine.say('alice', 'deploy hello');
    await new Promise((r) => setTimeout(r, 1000));
    expect((await spine.chat.thread(thread))!.state).toBe('open');
    expect(await spine.queue.isQueued(job!)).toBe(true);
    await spine.startWorkers();
    expect((await spine.waitForEnd(thread)).outcome).toBe('succeeded');
  });

  it('answers parse errors at once, with no job', async () => {
    spine = await startSpine({ docker: scriptedDriver() });
    const { thread, job } = await spine.say('alice', 'deploy hello;rm -rf /');
    expect(job).toBeUndefined();
    const answer = (await spine.chat.thread(thread))!.messages[1]!;
    expect(answer.reply?.status).toBe('error');
    expect(answer.text).toContain('"hello;rm" is not an app name');
    expect(answer.reply?.title).toBe('deploy: invalid arguments');
    // Text that is not words yet is not "an unknown command": the title says what went wrong.
    const unread = await spine.say('alice', "deploy hello'; rm -rf /");
    expect(unread.job).toBeUndefined();
    const unreadable = (await spine.chat.thread(unread.thread))!.messages[1]!;
    expect(unreadable.reply?.title).toBe('could not read the command');
    expect(unreadable.text).toContain("a quote (') is never closed; close it, or leave it out");
    const typo = (await spine.chat.thread((await spine.say('alice', 'depoly hello')).thread))!.messages[1]!;
    expect(typo.reply?.title).toBe('unknown command');
    expect(typo.text).toContain('did you mean "deploy"?');
    expect(await spine.redis.scard(spine.keys.relayActive)).toBe(0);
  });

  it('cancels a queued job for its requester and refuses a stranger', async () => {
    spine = await startSpine({ docker: scriptedDriver() });
    spine.startRelay();
    const { thread, job } = await spine.say('alice', 'deploy hello');
    const stranger = await spine.dispatcher.interact({
      platform: 'local',
      user: { id: 'local:mallory', name: 'mallory' },
      conversation: 'local',
      action: 'cancel',
      value: job!,
      deliveryId: 'c1',
    });
    expect(stranger).toMatchObject({ status: 'error', text: 'only alice, who started "deploy hello", may cancel it' });
    const owner = await spine.dispatcher.interact({
      platform: 'local',
      user: { id: 'local:alice', name: 'alice' },
      conversation: 'local',
      action: 'cancel',
      value: job!,
      deliveryId: 'c2',
    });
    expect(owner.text).toContain('removed from the queue');
    const again = await spine.dispatcher.interact({
      platform: 'local',
      user: { id: 'local:alice', name: 'alice' },
      conversation: 'local',
      action: 'cancel',
      value: job!,
      deliveryId: 'c2',
    });
    expect(again.title).toBe('already handled');
    const ended = await spine.waitForEnd(thread);
    expect(ended.outcome).toBe('cancelled');
    expect(ended.messages[1]!.reply?.title).toBe('deploy hello: cancelled by alice');
    await spine.startWorkers();
    // A later job has run, so the workers have been through the queue: the cancelled one never ran.
    const later = await spine.say('alice', 'status');
    expect((await spine.waitForEnd(later.thread)).outcome).toBe('succeeded');
    expect(await spine.releases.list('hello', 'production')).toEqual([]);
  });

  it('aborts a running job through its signal and says who cancelled it', async () => {
    const driver = scriptedDriver({ deploy: untilAborted });
    spine = await startSpine({ docker: driver });
    await spine.startWorkers();
    spine.startRelay();
    const { thread, job } = await spine.say('alice', 'deploy hello');
    await spine.waitForStep(job!, 'deploy');
    const reply = await spine.dispatcher.interact({
      platform: 'local',
      user: { id: 'local:alice', name: 'alice' },
      conversation: 'local',
      action: 'cancel',
      value: job!,
      deliveryId: 'x1',
    });
    expect(reply.text).toContain('stopping');
    const ended = await spine.waitForEnd(thread);
    expect(ended.outcome).toBe('cancelled');
    expect(ended.messages[1]!.reply?.title).toBe('deploy hello: cancelled by alice');
    expect(await spine.releases.list('hello', 'production')).toMatchObject([{ number: 1, outcome: 'cancelled' }]);
  });

  it('a cancel that comes once the change cannot be undone is said in the thread; the job finishes', async () => {
    // A deploy past its switch: it sees the abort but finishes.
    const driver = scriptedDriver({
      deploy: (io) => new Promise<void>((resolve) => io.signal.addEventListener('abort', () => resolve(), { once: true })),
    });
    spine = await startSpine({ docker: driver });
    await spine.startWorkers();
    spine.startRelay();
    const { thread, job } = await spine.say('alice', 'deploy hello');
    await spine.waitForStep(job!, 'deploy');
    const cancel = { platform: 'local', user: { id: 'local:alice', name: 'alice' }, conversation: 'local', action: 'cancel' };
    await spine.dispatcher.interact({ ...cancel, value: job!, deliveryId: 'late1' });
    const ended = await spine.waitForEnd(thread);
    expect(ended.outcome).toBe('succeeded');
    const log = ended.messages.filter((m) => m.kind === 'log').map((m) => m.text);
    expect(log.join('\n')).toContain(
      'the cancel by alice came after this job had made its change, which it could no longer undo; it finished',
    );
    expect(await spine.releases.list('hello', 'production')).toMatchObject([{ number: 1, outcome: 'live' }]);
  });

  it('serialises deploys of one app: the second waits for the first', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const order: string[] = [];
    const driver = scriptedDriver({
      build: async (_io, call) => {
        order.push(`start ${call}`);
        if (call === 1) await gate;
        order.push(`end ${call}`);
      },
    });
    spine = await startSpine({ docker: driver });
    await spine.startWorkers(2);
    spine.startRelay();
    const first = await spine.say('alice', 'deploy hello');
    await waitUntil('first build', async () => order.length > 0, 10_000);
    const second = await spine.say('bob', 'deploy hello');
    // A condition, not a fixed sleep: the second job has been handed to a worker and found the lock held.
    await waitUntil(
      'second job to wait for the lock',
      async () => (await spine!.redis.hget(spine!.keys.job(second.job!), 'waited')) === first.job,
      10_000,
    );
    expect(order).toEqual(['start 1']);
    release();
    await spine.waitForEnd(first.thread);
    const ended = await spine.waitForEnd(second.thread);
    expect(order).toEqual(['start 1', 'end 1', 'start 2', 'end 2']);
    expect(ended.messages.find((m) => m.kind === 'log')?.text).toContain(`waiting behind job ${first.job} (position 2)`);
    expect((await spine.releases.list('hello', 'production')).map((r) => r.outcome)).toEqual(['live', 'live']);
  });

  it('a second relay takes over from the checkpoint: nothing posted twice, nothing lost', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const driver = scriptedDriver({
      build: async (io) => {
        for (let i = 0; i < 30; i++) io.log(`early ${i}`);
        await gate;
        for (let i = 0; i < 30; i++) io.log(`late ${i}`);
      },
    });
    spine = await startSpine({ docker: driver });
    await spine.startWorkers();
    const first = spine.startRelay({ leaseMs: 600 });
    const { thread, job } = await spine.say('alice', 'deploy hello');
    await waitUntil(
      'early lines relayed',
      async () => (await spine!.chat.thread(thread))!.messages.some((m) => m.kind === 'log' && m.text.includes('early 29')),
      10_000,
    );
    await first.close(); // dies holding the lease; it expires after 600 ms
    release();
    const second = spine.startRelay({ leaseMs: 600 });
    await spine.waitForEnd(thread, 20_000);
    // The relay lets the job go just after it posted the end the thread shows.
    await waitUntil('the second relay to let the job go', async () => second.owned().length === 0, 5000, 20);
    const lines = (await spine.chat.thread(thread))!.messages.filter((m) => m.kind === 'log').flatMap((m) => m.text.split('\n'));
    const expected = [
      'Step 1/1 : FROM busybox',
      ...Array.from({ length: 30 }, (_, i) => `early ${i}`),
      ...Array.from({ length: 30 }, (_, i) => `late ${i}`),
      'started replica',
    ];
    expect(lines).toEqual(expected);
    expect((await spine.chat.thread(thread))!.messages.filter((m) => m.kind === 'parent')).toHaveLength(1);
    expect(await spine.redis.hget(spine.keys.job(job!), 'relayed')).toBe('1');
  });

  it('says "queue unavailable" within about a second when Redis is down, and queues nothing', async () => {
    const deadUrl = `redis://127.0.0.1:${await findFreePort()}`;
    const keys = redisKeys('test-dead');
    const queue = createJobQueue({ redisUrl: deadUrl, keys, queueName: 'jobs', attempts: 1 });
    const dispatcher = createDispatcher({
      ...dispatchStores(deadUrl, keys),
      registry: createRegistry(commands),
      config: () =>
        ({ file: 'x', apps: [{ name: 'hello' }], worker: { concurrency: 1, attempts: 1 }, chat: { botName: 'voxoz' } }) as never,
      queue,
      policy: requesterPolicy,
      log: silentLogger,
    });
    const started = Date.now();
    const outcome = await dispatcher.handle({
      platform: 'local',
      user: { id: 'local:a', name: 'a' },
      conversation: 'local',
      text: 'deploy hello',
      receivedAt: new Date(),
    });
    const ms = Date.now() - started;
    await queue.close();
    expect(outcome.type).toBe('answer');
    if (outcome.type === 'answer') expect(outcome.reply.text).toMatch(/the job queue is unavailable.*nothing was queued/);
    // The budget is ENQUEUE_TIMEOUT_MS (1 s); the margin is for a busy machine, well inside Slack's 3 s.
    expect(ms).toBeLessThan(2000);
  });
});
