import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { findFreePort } from '../../src/services/free-port.ts';
import { dockerTestbed, page } from '../support/docker-apps.ts';
import { startSpine, type Spine } from '../support/spine-harness.ts';
import { HELLO_APP_DIR } from '../support/start-voxoz.ts';

// `rollback` from chat to the real engine and the real front door: the dispatcher, the queue,
// a worker running the rollback processor, the ledger in Redis, and a person's lock.
const bed = dockerTestbed();
let spine: Spine | undefined;
afterEach(async () => {
  await spine?.close();
  spine = undefined;
});
afterAll(() => bed.cleanup());

describe('rollback <app> from chat', () => {
  it('redeploys v1 as v3, shows it in releases, refuses an unknown target, and a lock refuses it', async () => {
    const name = `rb${randomUUID().slice(0, 6)}`;
    const port = await findFreePort();
    const app = { name, source: { path: HELLO_APP_DIR }, port, health: { timeoutSeconds: 10 }, drainSeconds: 1 };
    spine = await startSpine({ docker: bed.driver }, { apps: [app] });
    await spine.startWorkers();
    spine.startRelay();
    const s = spine;
    const end = (text: string) => s.outcome(text);

    const nothing = await end(`rollback ${name}`);
    expect(nothing.text).toBe(`${name} (production) has no earlier release that went live and whose image is kept`);
    expect((await end(`rollback ${name} v1`)).text).toBe(
      `${name} (production) has no release v1; there is no earlier release to roll back to`,
    );
    expect((await end(`deploy ${name}`)).title).toBe(`${name} v1 live (1/1 healthy)`);
    expect((await end(`deploy ${name}`)).title).toBe(`${name} v2 live (1/1 healthy)`);
    expect((await end(`rollback ${name} to v1`)).title).toBe(`${name} v3 live: rollback of v1 (1/1 healthy)`);
    expect(await page(port)).toContain('hello from release v3');
    const ledger = await s.say('alice', `releases ${name}`);
    expect(ledger.reply?.code?.[0]).toMatch(/\* v3 +live, rollback of v1 /);
    // v1's image serves again (as v3): only v2 would change anything.
    expect((await end(`rollback ${name} v9`)).text).toBe(`${name} (production) has no release v9; releases you can roll back to: v2`);

    // A person's lock refuses rollback at once, with who and why; nothing is queued.
    await s.say('bob', `lock ${name} freeze`);
    const locked = await s.say('alice', `rollback ${name}`);
    expect(locked.job).toBeUndefined();
    expect(locked.reply?.text).toMatch(new RegExp(`^${name} \\(production\\) is locked by bob since .*: freeze\\. Nothing was changed`));
  });
});
