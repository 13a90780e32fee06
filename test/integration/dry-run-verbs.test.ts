import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { findFreePort } from '../../src/services/free-port.ts';
import { createDesiredStore } from '../../src/store/desired-store.ts';
import { dockerTestbed, page } from '../support/docker-apps.ts';
import { startSpine, type Spine } from '../support/spine-harness.ts';
import { HELLO_APP_DIR } from '../support/start-voxoz.ts';

// `--dry-run` on deploy, scale and burst from chat, on the real engine and caddy: each prints
// its plan, and the containers, the ledger, the desired count, the queue and the front door
// are as they were.
const bed = dockerTestbed();
let spine: Spine | undefined;
const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c().catch(() => undefined);
  await spine?.close();
  spine = undefined;
});
afterAll(() => bed.cleanup());

describe('--dry-run on deploy, scale and burst', () => {
  it('prints what would be built, started, switched and retired, and changes nothing', async () => {
    const name = `dr${randomUUID().slice(0, 6)}`;
    const port = await findFreePort();
    const app = { name, source: { path: HELLO_APP_DIR }, port, health: { timeoutSeconds: 10 }, drainSeconds: 1 };
    spine = await startSpine({ docker: bed.driver }, { apps: [app] });
    const s = spine;
    const systemJobs = s.systemJobs();
    await s.startWorkers(2, { systemJobs });
    s.startRelay();
    const desired = createDesiredStore(s.redis, s.keys);
    const containers = async () =>
      (await bed.docker.listContainers({ all: true, filters: { label: [`voxoz.instance=${bed.instance}`, `voxoz.app=${name}`] } }))
        .map((c) => `${c.Names[0]} ${c.Id}`)
        .sort();
    const end = (text: string) => s.outcome(text);
    const field = (reply: { fields?: Array<{ label: string; value: string }> }, label: string) =>
      reply.fields?.find((f) => f.label === label)?.value;

    const first = await end(`deploy ${name} --dry-run`);
    expect(first.title).toBe(`dry run: ${name} (production) would build and deploy v1; nothing was changed`);
    expect(field(first, 'build')).toBe(`a new image from the folder ${HELLO_APP_DIR} (Dockerfile)`);
    expect(field(first, 'retire')).toBe('nothing runs now');
    expect(await containers()).toEqual([]);
    expect(await s.releases.list(name, 'production')).toEqual([]);

    expect((await end(`deploy ${name}`)).title).toBe(`${name} v1 live (1/1 healthy)`);
    const before = { containers: await containers(), ledger: await s.releases.list(name, 'production'), page: await page(port) };
    const v1 = `${bed.instance}-${name}-production-v1-0`;

    const deploy = await end(`deploy ${name} --dry-run`);
    expect(deploy.title).toBe(`dry run: ${name} (production) would build and deploy v2; nothing was changed`);
    expect(deploy.fields).toEqual([
      { label: 'build', value: `a new image from the folder ${HELLO_APP_DIR} (Dockerfile)` },
      { label: 'start', value: '1 replica of v2 beside the running ones, health-gated' },
      { label: 'switch', value: `the front door 127.0.0.1:${port} to them in one step` },
      { label: 'retire', value: v1 },
      { label: 'delete images', value: 'none' },
      { label: 'requested by', value: 'alice' },
    ]);

    const scale = await end(`scale ${name} 3 --dry-run`);
    expect(scale.title).toBe(`dry run: ${name} (production) would scale v1 from 1 to 3; nothing was changed`);
    expect(scale.fields).toEqual([
      { label: 'start', value: '2 replicas of v1, health-gated' },
      { label: 'switch', value: `the front door 127.0.0.1:${port} to 3 replicas in one step` },
      { label: 'retire', value: 'nothing' },
      { label: 'desired', value: '1 now; 3 after' },
      { label: 'requested by', value: 'alice' },
    ]);
    const same = await end(`scale ${name} 1 --dry-run`);
    expect(same.fields?.slice(0, 3)).toEqual([
      { label: 'start', value: 'nothing' },
      { label: 'switch', value: `nothing: the front door 127.0.0.1:${port} keeps the 1 replica it serves` },
      { label: 'retire', value: 'nothing' },
    ]);
    const zero = await end(`scale ${name} 0 --dry-run`);
    expect(field(zero, 'retire')).toBe(v1);
    expect(field(zero, 'switch')).toBe(`the front door 127.0.0.1:${port} to no replica (it answers 503)`);

    const burst = await end(`burst ${name} +2 for 10m --dry-run`);
    expect(burst.title).toMatch(
      new RegExp(
        `^dry run: ${name} \\(production\\) would burst v1 from 1 to 3 until \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC; nothing was changed$`,
      ),
    );
    expect(field(burst, 'start')).toBe('2 replicas of v1 now, health-gated');
    const until = / until (\S+ \S+ UTC);/.exec(burst.title)![1]!;
    expect(field(burst, 'retire')).toBe(`at ${until}, back to the desired 1 replica (a delayed job posted in this thread)`);
    // Bad input is still refused under --dry-run.
    const bad = await s.say('alice', `burst ${name} 2 for 10m --dry-run`);
    expect(bad.job).toBeUndefined();
    expect(bad.reply?.text).toContain('+<n>: write the replicas to add as +<n> (e.g. +3), got "2"');

    expect(await containers()).toEqual(before.containers);
    expect(await s.releases.list(name, 'production')).toEqual(before.ledger);
    expect(await page(port)).toBe(before.page);
    expect(await desired.get(name, 'production', 42)).toBe(42);
    expect(await desired.burst(name, 'production')).toBeUndefined();
    expect(await s.redis.zcard(`${s.keys.bull}:jobs:delayed`)).toBe(0); // no scale-back queued
    // Nothing was reserved either: the next real deploy is v2.
    expect((await end(`deploy ${name}`)).title).toBe(`${name} v2 live (1/1 healthy)`);
  });
});
