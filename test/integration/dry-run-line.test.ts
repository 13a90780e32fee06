import { afterEach, describe, expect, it } from 'vitest';
import { waitUntil } from '../../src/services/wait-until.ts';
import { scriptedDriver } from '../support/scripted-driver.ts';
import { startSpine, type Spine } from '../support/spine-harness.ts';

let spine: Spine | undefined;
let release: () => void = () => undefined;
afterEach(async () => {
  release();
  await spine?.close();
  spine = undefined;
});

describe('a dry run does not wait in its app’s line, on real Redis', () => {
  it('answers while a deploy of the app runs, saying the plan is of the state before it; a real deploy still waits its turn', async () => {
    const driver = scriptedDriver({
      build: (_io, call) => (call === 1 ? new Promise<void>((resolve) => (release = resolve)) : Promise.resolve()),
    });
    spine = await startSpine({ docker: driver }, { apps: [{ name: 'hello', source: { path: '/nonexistent' }, port: 18080 }] });
    await spine.startWorkers(2);
    spine.startRelay();
    const running = await spine.say('alice', 'deploy hello');
    await waitUntil('the first deploy to build', async () => driver.builds === 1, 10_000, 25);

    const { thread } = await spine.say('bob', 'deploy hello --dry-run');
    const plan = await spine.waitForEnd(thread, 10_000);
    expect(plan.outcome).toBe('succeeded');
    const reply = plan.messages[1]!.reply!;
    // v1 is the running deploy's (reserved, not yet in the ledger): the plan is of the next one.
    expect(reply.title).toBe('dry run: hello (production) would build and deploy v2; nothing was changed');
    expect(reply.fields).toContainEqual({
      label: 'running now',
      value: `job ${running.job} is changing hello (production); this plan is of the state before it ends`,
    });
    expect(plan.messages.some((m) => m.kind === 'log' && /waiting behind/.test(m.text ?? ''))).toBe(false);

    // A deploy that changes the app still waits for its turn behind the running one.
    const second = await spine.say('carol', 'deploy hello');
    await waitUntil(
      'the second deploy to wait behind the first',
      async () =>
        ((await spine!.chat.thread(second.thread))?.messages ?? []).some(
          (m) => m.kind === 'log' && (m.text ?? '').includes(`waiting behind job ${running.job}`),
        ),
      10_000,
      50,
    );
    expect(driver.builds).toBe(1);
    release();
    expect((await spine.waitForEnd(running.thread)).outcome).toBe('succeeded');
    expect((await spine.waitForEnd(second.thread)).outcome).toBe('succeeded');
    expect(driver.builds).toBe(2);
    // With nothing running, a dry run has no such note.
    const after = (await spine.outcome('deploy hello --dry-run')) as { title: string; fields?: Array<{ label: string }> };
    expect(after.title).toBe('dry run: hello (production) would build and deploy v3; nothing was changed');
    expect(after.fields?.map((f) => f.label)).not.toContain('running now');
  });
});
