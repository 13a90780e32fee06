import { afterEach, describe, expect, it } from 'vitest';
import { readWholeJobStream } from '../../src/jobs/job-stream.ts';
import type { JobProcessor } from '../../src/jobs/processors/processor.ts';
import { processors } from '../../src/jobs/processors/index.ts';
import { waitUntil } from '../../src/services/wait-until.ts';
import { scriptedDriver } from '../support/scripted-driver.ts';
import { startSpine, type Spine } from '../support/spine-harness.ts';

let spine: Spine | undefined;
const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c().catch(() => undefined);
  await spine?.close();
  spine = undefined;
});

const DELAY_MS = 600;

/** Stands in for `burst`: it records its own scale-back, delayed, in its thread, with an id derived from its own. */
const burstLike: JobProcessor = {
  mutates: false,
  async run(ctx) {
    await ctx.systemJobs!.record({
      kind: 'status',
      why: 'burst-expiry',
      command: 'status hello',
      app: 'hello',
      args: { app: 'hello' },
      thread: ctx.data.thread,
      id: `${ctx.data.id}-back`,
      delayMs: DELAY_MS,
    });
    return { title: 'hello: burst recorded' };
  },
};

describe('a processor records a system job through its context', () => {
  it('the delayed job runs once, no sooner than asked, as system:<why>, and is posted in the originating thread', async () => {
    spine = await startSpine({ docker: scriptedDriver() });
    const s = spine;
    const systemJobs = s.systemJobs();
    await s.startWorkers(2, { processors: { ...processors, deploy: burstLike }, systemJobs });
    s.startRelay();
    const { thread, job } = await s.say('alice', 'deploy hello');
    // The delayed job's parent may be posted while it waits ("scheduled for …"): the thread ends
    // with the first job then, and opens again when the delayed one starts. Over only when both
    // parents carry their result.
    await waitUntil(
      'two parents in the thread, both ended',
      async () => {
        const t = await s.chat.thread(thread);
        const parents = t?.messages.filter((m) => m.kind === 'parent') ?? [];
        return t?.state === 'done' && parents.length === 2 && parents.every((m) => m.reply?.status === 'succeeded');
      },
      20_000,
      25,
    );
    const ended = (await s.chat.thread(thread))!;
    expect(ended.outcome).toBe('succeeded');
    // The relay posts both parents (in either order); the thread ended only when both jobs had.
    const titles = ended.messages.filter((m) => m.kind === 'parent').map((m) => m.reply?.title ?? '');
    expect(titles.some((t) => /burst recorded/.test(t))).toBe(true);
    expect(titles).toContain('hello: not deployed yet (production)');
    expect(ended.messages.filter((m) => m.kind === 'parent').every((m) => m.reply?.status === 'succeeded')).toBe(true);

    const back = `${job}-back`;
    expect((await s.queue.get(back))?.requestedBy).toEqual({ id: 'system:burst-expiry', name: 'voxoz (burst-expiry)' });
    const events = (await readWholeJobStream(s.redis, s.keys, back)).map((e) => e.event);
    const queuedAt = Date.parse(events.find((e) => e.type === 'queued')!.at);
    const startedAt = Date.parse(events.find((e) => e.type === 'started')!.at);
    // BullMQ's delay is measured from the add, a moment after the record's requestedAt: a small margin only.
    expect(startedAt - queuedAt).toBeGreaterThanOrEqual(DELAY_MS - 50);
    // Recording again under the same id queues nothing new.
    await systemJobs.record({
      kind: 'status',
      why: 'burst-expiry',
      command: 'status hello',
      id: back,
      thread: { platform: 'local', conversation: 'local', meta: { thread } },
    });
    expect((await readWholeJobStream(s.redis, s.keys, back)).filter((e) => e.event.type === 'started')).toHaveLength(1);
  }, 40_000);
});
