import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import { findFreePort } from '../../src/services/free-port.ts';
import { createDesiredStore } from '../../src/store/desired-store.ts';
import { redisKeys } from '../../src/store/keys.ts';
import { dockerTestbed, page } from '../support/docker-apps.ts';
import { startSpine, type Spine } from '../support/spine-harness.ts';
import { HELLO_APP_DIR } from '../support/start-voxoz.ts';

// `scale` from chat to the real engine and the real front door: the dispatcher, the queue, a
// worker running the scale processor, the desired count in Redis, and the deploys that keep it.
const bed = dockerTestbed();
let spine: Spine | undefined;
afterEach(async () => {
  await spine?.close();
  spine = undefined;
});
afterAll(() => bed.cleanup());

const runningOf = async (app: string, release: number) =>
  (
    await bed.docker.listContainers({
      filters: { label: [`voxoz.instance=${bed.instance}`, `voxoz.app=${app}`, `voxoz.release=${release}`] },
    })
  ).length;

describe('the desired replica count', () => {
  it('is config replicas until set, then the stored count, seen by another connection', async () => {
    const keys = redisKeys(`test-${randomUUID().slice(0, 8)}`);
    const a = new Redis(inject('redisUrl'));
    const b = new Redis(inject('redisUrl'));
    try {
      expect(await createDesiredStore(a, keys).get('hello', 'production', 2)).toBe(2);
      await createDesiredStore(a, keys).set('hello', 'production', 0);
      expect(await createDesiredStore(b, keys).get('hello', 'production', 2)).toBe(0);
      expect(await createDesiredStore(b, keys).get('hello', 'staging', 2)).toBe(2);
    } finally {
      await a.quit();
      await b.quit();
    }
  });
});

describe('scale <app> <n> from chat', () => {
  it('refuses bad input specifically, scales the live release, keeps the count for the next deploy, and 0 stops serving', async () => {
    const name = `sc${randomUUID().slice(0, 6)}`;
    const port = await findFreePort();
    const app = { name, source: { path: HELLO_APP_DIR }, port, health: { timeoutSeconds: 10 }, drainSeconds: 1 };
    spine = await startSpine({ docker: bed.driver }, { apps: [app] });
    await spine.startWorkers();
    spine.startRelay();
    const s = spine;
    const end = (text: string) => s.outcome(text);

    const tooMany = await s.say('alice', `scale ${name} 101`);
    expect(tooMany.job).toBeUndefined();
    expect(tooMany.reply?.text).toMatch(
      /^• <replicas>: must be 0\.\.100, got 101\nUsage: voxoz scale <app> <replicas> \[--env <env>\] \[--dry-run\]$/,
    );
    const unknown = await s.say('alice', 'scale nosuchapp 2');
    expect(unknown.job).toBeUndefined();
    expect(unknown.reply?.text).toContain(`<app>: there is no app named "nosuchapp"; known apps: ${name}`);

    const noLive = await end(`scale ${name} 2`);
    expect(noLive.text).toBe(`${name} (production) has no live release to scale; deploy it first with "deploy ${name}"`);

    expect((await end(`deploy ${name}`)).title).toBe(`${name} v1 live (1/1 healthy)`);
    const three = await end(`scale ${name} 3`);
    expect(three.title).toBe(`${name} scaled to 3 (3/3 healthy)`);
    expect(await runningOf(name, 1)).toBe(3);
    const status = await end(`status ${name}`);
    expect(status.fields).toContainEqual({ label: `${name} replicas`, value: 'desired 3, running 3' });

    // A deploy keeps the desired count: v2 starts 3 replicas (config says 1), v1's go.
    expect((await end(`deploy ${name}`)).title).toBe(`${name} v2 live (3/3 healthy)`);
    expect(await runningOf(name, 2)).toBe(3);
    expect(await runningOf(name, 1)).toBe(0);

    // A person's lock refuses scale at once, with who and why; nothing is queued.
    await s.say('bob', `lock ${name} freeze`);
    const locked = await s.say('alice', `scale ${name} 1`);
    expect(locked.job).toBeUndefined();
    expect(locked.reply?.text).toMatch(new RegExp(`^${name} \\(production\\) is locked by bob since .*: freeze\\. Nothing was changed`));
    // A dry run changes nothing: the lock does not refuse it, and its plan says the app is locked.
    const plan = await end(`scale ${name} 1 --dry-run`);
    expect(plan.title).toBe(`dry run: ${name} (production) would scale v2 from 3 to 1; nothing was changed`);
    expect(plan.fields).toContainEqual({
      label: 'locked',
      value: expect.stringMatching(new RegExp(`^by bob since .*: freeze; the change itself is refused until "unlock ${name}"$`)),
    });
    await s.say('bob', `unlock ${name}`);
    expect(await runningOf(name, 2)).toBe(3);

    const zero = await end(`scale ${name} 0`);
    expect(zero.title).toBe(`${name} scaled to 0: it no longer serves (production)`);
    expect(await runningOf(name, 2)).toBe(0);
    expect(await page(port)).toMatch(/^503 /);
    expect((await end(`status ${name}`)).fields).toContainEqual({ label: `${name} replicas`, value: 'desired 0, running 0' });

    // A deploy is a request to serve: it starts config's replicas, and the desired count is config's again.
    expect((await end(`deploy ${name}`)).title).toBe(`${name} v3 live (1/1 healthy)`);
    expect((await end(`status ${name}`)).fields).toContainEqual({ label: `${name} replicas`, value: 'desired 1, running 1' });

    // So is a rollback: from 0 it starts config's replicas of the earlier release, and desired is config's again.
    expect((await end(`scale ${name} 0`)).title).toBe(`${name} scaled to 0: it no longer serves (production)`);
    expect((await end(`rollback ${name}`)).title).toBe(`${name} v4 live: rollback of v2 (1/1 healthy)`);
    expect((await end(`status ${name}`)).fields).toContainEqual({ label: `${name} replicas`, value: 'desired 1, running 1' });
  });
});
