import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { LocalChatEvent } from '../../adapters/local/local-chat.ts';
import { utcSecond } from '../../src/dispatch/utc-minute.ts';
import { findFreePort } from '../../src/services/free-port.ts';
import { waitUntil } from '../../src/services/wait-until.ts';
import { createDesiredStore } from '../../src/store/desired-store.ts';
import { dockerTestbed } from '../support/docker-apps.ts';
import { startProbe } from '../support/probe.ts';
import { startSpine, type Spine } from '../support/spine-harness.ts';
import { HELLO_APP_DIR } from '../support/start-voxoz.ts';

// `burst` from chat on the real engine and caddy: more replicas now, and a delayed system job,
// posted in the same thread, that brings the app back to its desired count.
const bed = dockerTestbed();
let spine: Spine | undefined;
const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c().catch(() => undefined);
  await spine?.close();
  spine = undefined;
});
afterAll(() => bed.cleanup());

/** Long enough that the burst is live, and its workers stopped, well before the scale-back is due. */
const BURST_SECONDS = 8;

/**
 * An app of the hello image on a free port, a spine with two workers that can record system jobs
 * (the scale-back), the relay; `end` says a command and returns its outcome, `running` counts the app's containers.
 */
async function burstSpine(prefix: string) {
  const name = `${prefix}${randomUUID().slice(0, 6)}`;
  const port = await findFreePort();
  const app = { name, source: { path: HELLO_APP_DIR }, port, health: { timeoutSeconds: 10 }, drainSeconds: 1 };
  spine = await startSpine({ docker: bed.driver }, { apps: [app] });
  const s = spine;
  const systemJobs = s.systemJobs();
  const firstPool = await s.startWorkers(2, { systemJobs });
  s.startRelay();
  const running = async () =>
    (await bed.docker.listContainers({ filters: { label: [`voxoz.instance=${bed.instance}`, `voxoz.app=${name}`] } })).length;
  const end = (text: string) => s.outcome(text);
  return { name, port, s, systemJobs, firstPool, running, end };
}

describe('burst <app> +<n> for <duration>', () => {
  it('runs n more replicas, status shows the burst, and the scale-back, after a worker restart, returns to the desired count in the same thread', async () => {
    const { name, port, s, systemJobs, firstPool, running, end } = await burstSpine('bu');
    // Refused at once, before anything is queued.
    const refused = async (text: string) => {
      const { job, reply } = await s.say('alice', text);
      expect(job).toBeUndefined();
      return reply?.text;
    };
    expect(await refused(`burst ${name} 3 for 10m`)).toContain('+<n>: write the replicas to add as +<n> (e.g. +3), got "3"');
    expect(await refused(`burst ${name} +3 for 2d`)).toContain('<duration>: a burst lasts 1s..24h, written like 90s, 10m or 2h; got "2d"');
    expect((await end(`deploy ${name}`)).title).toBe(`${name} v1 live (1/1 healthy)`);

    const probe = startProbe(`127.0.0.1:${port}`, { perSecond: 50, maxMs: 60_000 });
    const { thread, job: burstJob } = await s.say('alice', `burst ${name} +2 for ${BURST_SECONDS}s`);
    // What `voxoz say` follows: the thread's events, up to its end.
    const events: LocalChatEvent[] = [];
    const hear = (e: LocalChatEvent) => {
      if (e.thread === thread) events.push(e);
    };
    s.chat.on('event', hear);
    closers.push(async () => s.chat.off('event', hear));
    const askedAt = Date.now();
    await waitUntil(
      'the burst to be live',
      async () => (await s.chat.thread(thread))?.messages.some((m) => /bursting to 3/.test(m.reply?.title ?? '')) ?? false,
      60_000,
      25,
    );
    expect(await running()).toBe(3);
    const status = await end(`status ${name}`);
    expect(status.fields?.find((f) => f.label === `${name} replicas`)?.value).toMatch(
      /^desired 1, bursting \+2 until \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC, running 3$/,
    );

    // The workers stop and others start (a restart): the scale-back is a delayed job in Redis, not a timer in a process.
    await firstPool.close();
    // The burst's thread ends with the burst (so `voxoz say` returns): the scale-back, posted in it,
    // says when it runs and is not counted until it starts.
    await waitUntil(
      'the burst thread to end before its scale-back runs',
      async () => (await s.chat.thread(thread))?.state === 'done',
      20_000,
      25,
    );
    expect(events.filter((e) => e.type === 'end')).toEqual([expect.objectContaining({ outcome: 'succeeded' })]);
    const waiting = (await s.chat.thread(thread))!.messages.filter((m) => m.kind === 'parent').map((m) => m.reply!);
    expect(waiting.map((r) => r.title)).toEqual([
      expect.stringMatching(new RegExp(`^${name} bursting to 3 `)),
      expect.stringMatching(new RegExp(`^scale ${name} 1: scheduled for \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC$`)),
    ]);
    const until = Date.parse(`${/ until (\S+ \S+) UTC /.exec(waiting[0]!.title)![1]!.replace(' ', 'T')}Z`);
    // The title gives the end to the second (cut, not rounded): within 2 s of when the scale-back is due.
    expect(Math.abs(Date.parse(waiting[1]!.scheduledFor!) - until)).toBeLessThan(2000);
    // The scale-back has no Cancel button, and cancelling it is refused (the burst would never end), saying what to type instead.
    expect(waiting[1]!.buttons).toBeUndefined();
    expect((await s.say('alice', `cancel ${burstJob}-back`)).reply).toMatchObject({
      status: 'error',
      title: 'cancel: a burst’s end',
      text:
        `"scale ${name} 1" ends the burst of ${name} (production) at its time and cannot be cancelled; nothing was changed. ` +
        `To end the burst now: "scale ${name} 1"; to keep more replicas: "scale ${name} <n>" (it ends the burst at that count).`,
    });
    expect(Date.now() - askedAt).toBeLessThan(BURST_SECONDS * 1000);
    await s.startWorkers(2, { systemJobs });
    await waitUntil(
      'the scale-back to end in the burst thread',
      async () => {
        const t = await s.chat.thread(thread);
        return t?.state === 'done' && events.filter((e) => e.type === 'end').length === 2;
      },
      60_000,
      50,
    );
    const answers = await probe.stop();
    expect(answers.length).toBeGreaterThan(100);
    expect(answers.filter((x) => !x.ok)).toEqual([]);
    expect(Date.now() - askedAt).toBeGreaterThanOrEqual(BURST_SECONDS * 1000 - 200);
    const titles = (await s.chat.thread(thread))!.messages.map((m) => m.reply?.title ?? '');
    expect(titles).toContainEqual(`${name} burst ended, back to 1 (1/1 healthy)`);
    // The burst's own parent comes first, then the scale-back's (which waits for it to be posted).
    const parents = (await s.chat.thread(thread))!.messages.filter((m) => m.kind === 'parent').map((m) => m.reply?.title ?? '');
    expect(parents).toEqual([expect.stringMatching(new RegExp(`^${name} bursting to 3 `)), `${name} burst ended, back to 1 (1/1 healthy)`]);
    // Its start opened the thread again, and its end ended it again.
    expect(events.filter((e) => e.type === 'end').map((e) => (e as { outcome: string }).outcome)).toEqual(['succeeded', 'succeeded']);
    expect(await running()).toBe(1);
    expect((await end(`status ${name}`)).fields).toContainEqual({ label: `${name} replicas`, value: 'desired 1, running 1' });

    // A burst whose scale-back did not run (it failed: the engine was down at the time) is shown as
    // overdue with what ends it, and a new burst is refused saying the same; `scale` ends it.
    const since = new Date(Date.now() - 120_000).toISOString();
    await createDesiredStore(s.redis, s.keys).setBurst(name, 'production', { add: 2, until: since, job: 'a-failed-burst' });
    const overdue = `+2 overdue since ${utcSecond(since)} (its scale-back has not run: it waits in the app's line, or it failed; "scale ${name} 1" ends the burst)`;
    expect((await end(`status ${name}`)).fields).toContainEqual({
      label: `${name} replicas`,
      value: `desired 1, bursting ${overdue}, running 1`,
    });
    expect((await end(`burst ${name} +1 for 1m`)).text).toBe(`${name} (production) is already bursting: ${overdue}; nothing was changed`);
    expect((await end(`scale ${name} 1`)).title).toBe(`${name} scaled to 1 (1/1 healthy)`);
    expect((await end(`status ${name}`)).fields).toContainEqual({ label: `${name} replicas`, value: 'desired 1, running 1' });
  });

  it('a scale during a burst ends it: the scale-back runs at once in the burst thread, changes nothing, and is no longer listed by jobs', async () => {
    const { name, s, running, end } = await burstSpine('be');
    expect((await end(`deploy ${name}`)).title).toBe(`${name} v1 live (1/1 healthy)`);
    const { thread } = await s.say('alice', `burst ${name} +2 for 10m`);
    const burst = (await s.waitForEnd(thread, 90_000)).messages.find((m) => m.kind === 'parent')!.reply!;
    const until = / until (\S+ \S+ UTC) /.exec(burst.title)![1]!;
    expect(await end('jobs')).toMatchObject({
      title: 'jobs (all apps): 0 running, 0 queued, 1 scheduled',
      text: 'A scheduled scale-back ends a burst at its time; "scale <app> <n>" ends the burst now.',
    });

    const scaled = await end(`scale ${name} 2`);
    expect(scaled.title).toBe(`${name} scaled to 2 (2/2 healthy)`);
    expect(scaled.fields).toContainEqual({ label: 'burst', value: `ended (it was +2 until ${until})` });
    // The scale-back says so in the burst's thread now, not in ten minutes.
    await waitUntil(
      'the scale-back to end in the burst thread',
      async () =>
        (await s.chat.thread(thread))?.messages.some(
          (m) => m.reply?.title === `${name}: the burst was already ended by a later scale; nothing to scale back`,
        ) ?? false,
      30_000,
      50,
    );
    // Its thread said why it ran early, as soon as the scale let it (before its parent's end).
    const logs = (await s.chat.thread(thread))!.messages.filter((m) => m.kind === 'log').map((m) => m.text ?? '');
    expect(logs.join('\n')).toMatch(/runs now: the scale to 2 \(job [\w-]+\) ended the burst; this runs after it/);
    expect((await end('jobs')).title).toBe('jobs (all apps): none');
    expect(await running()).toBe(2);
    expect((await end(`status ${name}`)).fields).toContainEqual({ label: `${name} replicas`, value: 'desired 2, running 2' });
  });
});
