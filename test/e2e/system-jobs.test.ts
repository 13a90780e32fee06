import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { LocalThread } from '../../adapters/local/local-chat.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import type { JobData } from '../../src/core/types.ts';
import { createSystemJobs, type SystemJobRequest, type SystemJobs } from '../../src/store/record-system-job.ts';
import { redisKeys } from '../../src/store/keys.ts';
import { startSlackSimulator, type SlackSimulator } from '../support/slack-sim/index.ts';
import { HELLO_APP_DIR, startTestVoxoz, type TestVoxoz } from '../support/start-voxoz.ts';
import { C, parentOf, shown, waitFor } from '../fixtures/slack/e2e-helpers.ts';

/**
 * Jobs no chat command started (a burst's scale-back, a schedule) are recorded by the job store
 * and posted by the relay like any other: to the configured channel, or to the originating thread.
 */
describe('system jobs', () => {
  let sim: SlackSimulator;
  let voxoz: TestVoxoz;
  let redis: Redis;
  let queue: Queue<JobData>;
  let jobs: SystemJobs;
  /** The Slack parent the second test's job posted, and that job. */
  let slackParent = '';
  let slackJob = '';

  beforeAll(async () => {
    sim = await startSlackSimulator();
    voxoz = await startTestVoxoz({
      yaml: `apps:
  - name: hello
    source: { path: ${HELLO_APP_DIR} }
    port: APP_PORT
    health: { path: /, timeoutSeconds: 20 }
chat:
  systemChannel: { slack: ${C}, local: ops }
`,
      env: { SLACK_BOT_TOKEN: sim.botToken, SLACK_SIGNING_SECRET: sim.signingSecret, SLACK_API_URL: sim.apiUrl },
    });
    const keys = redisKeys(voxoz.queueName);
    redis = new Redis(inject('redisUrl'));
    queue = new Queue<JobData>('jobs', { connection: new Redis(inject('redisUrl'), { maxRetriesPerRequest: null }), prefix: keys.bull });
    const config = loadConfig(`${voxoz.dir}/voxoz.yml`);
    jobs = createSystemJobs({ redis, queue, keys, config: () => config });
  });
  afterAll(async () => {
    await jobs?.close();
    await queue?.close();
    await redis?.quit();
    await voxoz?.close();
    expect(sim.errors).toEqual([]);
    await sim?.close();
  });

  const auth = () => ({ authorization: `Bearer ${voxoz.localToken}` });
  const thread = async (id: string) => (await (await fetch(`${voxoz.url}/local/threads/${id}`, { headers: auth() })).json()) as LocalThread;

  /** A `status hello` system job, recorded with what the test says about where it goes. */
  const recordStatus = (why: string, where: Pick<SystemJobRequest, 'thread' | 'platform' | 'origin'>) =>
    jobs.record({ kind: 'status', why, command: 'status hello', app: 'hello', args: { app: 'hello' }, ...where });

  it('with no thread and the local platform named: a thread opened for it in the local channel, parent and outcome', async () => {
    const job = await recordStatus('schedule', { platform: 'local' });
    expect(job.requestedBy.id).toBe('system:schedule');
    const listed = await waitFor('a done thread in the ops channel', async () => {
      const res = await fetch(`${voxoz.url}/local/channels/ops/threads`, { headers: auth() });
      const { threads } = (await res.json()) as { threads: Array<{ id: string; state: string; outcome?: string; title: string }> };
      return threads.find((t) => t.state === 'done');
    });
    expect(listed).toMatchObject({ outcome: 'succeeded', title: '✓ hello: not deployed yet (production)' });
    const opened = await thread(listed.id);
    expect(opened.conversation).toBe('ops');
    expect(opened.messages.map((m) => m.kind)).toEqual(['parent']);
    expect(opened.messages[0]!.reply).toMatchObject({ status: 'succeeded' });
  }, 60_000);

  it('with no thread: the first configured platform (Slack) gets the parent, the log in its thread and the file', async () => {
    const job = await jobs.record({ kind: 'deploy', why: 'burst-expiry', command: 'deploy hello', app: 'hello', args: { app: 'hello' } });
    const parent = await waitFor('the parent in the Slack channel', () => parentOf(sim, job.id), 30_000);
    await waitFor(
      'the parent to say live',
      () => /live/.test(shown(sim.message(C, parent.ts))) && sim.files(C, parent.ts).length > 0,
      120_000,
    );
    const replies = sim.thread(C, parent.ts);
    expect(replies.some((m) => m.fileIds.length === 0 && m.text.length > 0)).toBe(true);
    expect(sim.files(C, parent.ts)[0]!.content!.toString('utf8')).toMatch(/FROM busybox/i);
    slackParent = parent.ts;
    slackJob = job.id;
  }, 180_000);

  it("continuing a job's thread that has no parent of its own (a slash command's burst): its parent is a reply under that job's", async () => {
    expect(slackJob).not.toBe('');
    const top = sim.messages(C).length;
    const job = await recordStatus('burst-expiry', { thread: { platform: 'slack', conversation: C }, origin: slackJob });
    expect(job.thread.meta).toEqual({ replyToJob: slackJob });
    const reply = await waitFor(
      'its parent, final, in the first job’s thread',
      () => sim.thread(C, slackParent).find((m) => /instances/.test(shown(m))),
      30_000,
    );
    expect(reply.threadTs).toBe(slackParent);
    expect(sim.messages(C)).toHaveLength(top);
  }, 60_000);

  it('with an originating Slack thread: its parent is a reply in that thread, edited there; the old parent stays as it was', async () => {
    expect(slackParent).not.toBe('');
    const before = shown(sim.message(C, slackParent));
    const top = sim.messages(C).length;
    await recordStatus('schedule', { thread: { platform: 'slack', conversation: C, parent: slackParent } });
    const reply = await waitFor(
      'the new parent, final, in the thread',
      () => sim.thread(C, slackParent).find((m) => /instances/.test(shown(m))),
      30_000,
    );
    expect(reply.threadTs).toBe(slackParent);
    expect(sim.messages(C)).toHaveLength(top);
    expect(shown(sim.message(C, slackParent))).toBe(before);
  }, 60_000);

  it('with the originating thread given: posted there, under a parent of its own', async () => {
    const res = await fetch(`${voxoz.url}/local/commands`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth() },
      body: JSON.stringify({ user: 'alice', text: 'status hello' }),
    });
    const { thread: id } = (await res.json()) as { thread: string };
    await waitFor('the command thread to end', async () => (await thread(id)).state === 'done', 30_000);
    const origin = (await thread(id)).messages.filter((m) => m.kind === 'parent');
    expect(origin).toHaveLength(1);
    await recordStatus('schedule', { thread: { platform: 'local', conversation: 'local', parent: origin[0]!.id, meta: { thread: id } } });
    const after = await waitFor('a second parent, done', async () => {
      const t = await thread(id);
      return t.messages.filter((m) => m.kind === 'parent').length === 2 && t.state === 'done' && t;
    });
    expect(after.outcome).toBe('succeeded');
    // The first job's parent was left as it was.
    expect(after.messages.find((m) => m.id === origin[0]!.id)).toEqual(origin[0]);
  }, 60_000);
});
