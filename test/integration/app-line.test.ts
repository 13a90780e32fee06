import { afterEach, describe, expect, it } from 'vitest';
import { waitUntil } from '../../src/services/wait-until.ts';
import { readWholeJobStream } from '../../src/jobs/job-stream.ts';
import { scriptedDriver } from '../support/scripted-driver.ts';
import { startSpine, type Spine } from '../support/spine-harness.ts';

let spine: Spine | undefined;
afterEach(async () => {
  await spine?.close();
  spine = undefined;
});

const logLines = async (s: Spine, job: string) =>
  (await readWholeJobStream(s.redis, s.keys, job)).flatMap((e) => (e.event.type === 'log' ? [e.event.line] : []));

describe('the line of mutating jobs per app+env', () => {
  it('runs deploys of one app first come first served; each waiting thread says whom it waits behind and its position', async () => {
    const gates = new Map<number, () => void>();
    const order: string[] = [];
    const driver = scriptedDriver({
      build: async (_io, call) => {
        order.push(`start ${call}`);
        await new Promise<void>((r) => gates.set(call, r));
        order.push(`end ${call}`);
      },
    });
    spine = await startSpine({ docker: driver });
    // Three workers: the line, not a lack of workers, is what keeps the later jobs waiting.
    await spine.startWorkers(3);
    spine.startRelay();
    const a = await spine.say('alice', 'deploy hello');
    await waitUntil('first build', async () => gates.has(1), 10_000);
    const b = await spine.say('bob', 'deploy hello');
    await waitUntil('b parked', async () => (await logLines(spine!, b.job!)).length > 0, 10_000);
    const c = await spine.say('carol', 'deploy hello');
    await waitUntil('c parked', async () => (await logLines(spine!, c.job!)).length > 0, 10_000);
    expect(await logLines(spine, b.job!)).toEqual([`waiting behind job ${a.job} (position 2)`]);
    expect(await logLines(spine, c.job!)).toEqual([`waiting behind job ${a.job} (position 3)`]);
    expect(order).toEqual(['start 1']);

    const listed = await spine.say('dave', 'jobs hello');
    const table = listed.reply?.code?.join('\n') ?? '';
    expect(table).toContain(`waiting behind ${a.job}`);
    expect(table).toMatch(/running/);

    // The first ends: the second is promoted at once (not after a recheck), the third moves up.
    const released = Date.now();
    gates.get(1)!();
    await waitUntil('second build', async () => gates.has(2), 10_000);
    expect(Date.now() - released).toBeLessThan(10_000);
    await waitUntil('c told its new place', async () => (await logLines(spine!, c.job!)).length === 2, 10_000);
    expect((await logLines(spine, c.job!))[1]).toBe(`waiting behind job ${b.job} (position 2)`);
    gates.get(2)!();
    await waitUntil('third build', async () => gates.has(3), 10_000);
    gates.get(3)!();
    await spine.waitForEnd(c.thread);
    expect(order).toEqual(['start 1', 'end 1', 'start 2', 'end 2', 'start 3', 'end 3']);
    expect((await spine.releases.list('hello', 'production')).map((r) => r.outcome)).toEqual(['live', 'live', 'live']);
    expect(await spine.redis.llen(spine.keys.appLine('hello', 'production'))).toBe(0);
  });

  it('a cancelled waiting job leaves the line and the one behind it moves up; other apps do not wait', async () => {
    const gates = new Map<number, () => void>();
    const driver = scriptedDriver({ build: (_io, call) => new Promise<void>((r) => gates.set(call, r)) });
    spine = await startSpine(
      { docker: driver },
      {
        apps: [
          { name: 'hello', source: { path: '/nonexistent' }, port: 18080 },
          { name: 'other', source: { path: '/nonexistent' }, port: 18081 },
        ],
      },
    );
    await spine.startWorkers(3);
    spine.startRelay();
    const a = await spine.say('alice', 'deploy hello');
    await waitUntil('first build', async () => gates.size === 1, 10_000);
    const b = await spine.say('bob', 'deploy hello');
    await waitUntil('b parked', async () => (await logLines(spine!, b.job!)).length > 0, 10_000);
    const c = await spine.say('carol', 'deploy hello');
    await waitUntil('c parked', async () => (await logLines(spine!, c.job!)).length > 0, 10_000);
    // Another app is not in hello's line: it starts while hello's first deploy still runs.
    await spine.say('dave', 'deploy other');
    await waitUntil('other app build', async () => gates.size === 2, 10_000);

    const cancelled = await spine.say('bob', `cancel ${b.job}`);
    expect(cancelled.reply?.title ?? cancelled.reply?.text).toBeTruthy();
    const ended = await spine.waitForEnd(b.thread);
    expect(ended.outcome).toBe('cancelled');
    await waitUntil('c moved up', async () => (await logLines(spine!, c.job!)).length === 2, 10_000);
    expect((await logLines(spine, c.job!))[1]).toBe(`waiting behind job ${a.job} (position 2)`);
    gates.get(1)!();
    await waitUntil('c runs', async () => gates.size === 3, 10_000);
    gates.get(2)!();
    gates.get(3)!();
    expect((await spine.waitForEnd(c.thread)).outcome).toBe('succeeded');
  });
});
