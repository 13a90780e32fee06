import { randomUUID } from 'node:crypto';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { releasesReply } from '../../commands/releases.ts';
import type { DriverIO } from '../../src/drivers/driver.ts';
import { deployProcessor } from '../../src/jobs/processors/deploy.ts';
import type { JobProcessor } from '../../src/jobs/processors/processor.ts';
import { restartProcessor } from '../../src/jobs/processors/restart.ts';
import { rollbackProcessor } from '../../src/jobs/processors/rollback.ts';
import { redisKeys } from '../../src/store/keys.ts';
import { createDesiredStore } from '../../src/store/desired-store.ts';
import { createLockStore } from '../../src/store/lock-store.ts';
import { createReleaseStore } from '../../src/store/release-store.ts';
import { dockerTestbed, failure, ioFor, page } from '../support/docker-apps.ts';
import { startProbe } from '../support/probe.ts';
import { HELLO_APP_DIR } from '../support/start-voxoz.ts';

// rollback, restart and image retention through the real processors, the real Docker driver on the test
// engine, the real caddy front door and a real Redis ledger.
const bed = dockerTestbed();
const { docker, instance, scratch, driver } = bed;
const redis = new Redis(inject('redisUrl'));
const keys = redisKeys(`test-${randomUUID().slice(0, 8)}`);
const releases = createReleaseStore(redis, keys);
const locks = createLockStore(redis, keys);
const desired = createDesiredStore(redis, keys);
afterAll(async () => {
  await bed.cleanup();
  await redis.quit();
});

/** A copy of the hello app whose page says `greeting`, so each build is a different image. */
function source(greeting: string): { path: string } {
  const dir = join(scratch, `src-${greeting}`);
  cpSync(HELLO_APP_DIR, dir, { recursive: true });
  const html = join(dir, 'index.html');
  writeFileSync(html, readFileSync(html, 'utf8').replace('@GREETING@', greeting));
  return { path: dir };
}

type App = Awaited<ReturnType<typeof bed.freshApp>>;
let seq = 0;
/** Runs a processor as a worker would, for app `app` configured with `more`. */
function run(
  p: JobProcessor,
  app: App,
  more: Record<string, unknown>,
  args: Record<string, string | boolean | number> = {},
  io: DriverIO = ioFor([]),
) {
  seq += 1;
  const data = {
    id: `job-${seq}`,
    kind: p === rollbackProcessor ? 'rollback' : p === restartProcessor ? 'restart' : 'deploy',
    command: 'test',
    app: app.name,
    env: 'production',
    args,
    requestedBy: { id: 'U1', name: 'alice' },
    thread: { platform: 'local', conversation: 'c1' },
    requestedAt: new Date().toISOString(),
  };
  return p.run({
    data,
    io,
    config: app.config(more),
    drivers: { docker: driver },
    releases,
    locks,
    desired,
    reserve: (_n, make) => make(),
  });
}

const imagesOf = async (app: string) =>
  (await docker.listImages({ filters: { label: [`voxoz.instance=${instance}`, `voxoz.app=${app}`] } })).map((i) => i.Id).sort();
const servingImages = async (app: string) =>
  (await docker.listContainers({ filters: { label: [`voxoz.instance=${instance}`, `voxoz.app=${app}`] } })).map((c) => c.ImageID);

describe('rollback', () => {
  it("redeploys v1's image as v3 with no rebuild and no failed request; unknown targets are refused with the list", async () => {
    const hello = await bed.freshApp();
    await run(deployProcessor, hello, { source: source('one') });
    await run(deployProcessor, hello, { source: source('two') });
    expect(await page(hello.port)).toContain('two from release v2');
    // --dry-run: the plan, and nothing changed.
    const [r1, r2] = await releases.list(hello.name, 'production');
    const plan = await run(rollbackProcessor, hello, {}, { 'dry-run': true });
    expect(plan.title).toBe(`dry run: ${hello.name} (production) would roll back to v1 as v3; nothing was changed`);
    expect(plan.fields).toEqual([
      { label: 'image', value: `${r1!.image} (${r1!.artifact.slice(7, 19)}), no rebuild` },
      { label: 'start', value: '1 replica beside the running ones, health-gated' },
      { label: 'switch', value: `the front door 127.0.0.1:${hello.port} to them in one step` },
      { label: 'retire', value: `${instance}-${hello.name}-production-v2-0` },
      { label: 'delete images', value: 'none' },
    ]);
    expect(await releases.list(hello.name, 'production')).toEqual([r1, r2]);
    expect(await servingImages(hello.name)).toEqual([r2!.artifact]);
    const probe = startProbe(`127.0.0.1:${hello.port}`, { perSecond: 50, maxMs: 30_000 });
    const lines: string[] = [];
    // The configured source now is a third content: a rebuild would serve "three".
    const result = await run(rollbackProcessor, hello, { source: source('three') }, {}, ioFor(lines));
    const answers = await probe.stop();
    expect(result.title).toMatch(/^hello\d+ v3 live: rollback of v1 \(1\/1 healthy\)$/);
    expect(answers.length).toBeGreaterThan(20);
    expect(answers.filter((a) => !a.ok)).toEqual([]);
    expect(await page(hello.port)).toContain('one from release v3');
    const [v1, v2, v3] = await releases.list(hello.name, 'production');
    expect(v3).toMatchObject({ number: 3, outcome: 'live', artifact: v1!.artifact, image: v1!.image, rollbackOf: 1 });
    expect(v1!.artifact).not.toBe(v2!.artifact);
    expect(await servingImages(hello.name)).toEqual([v1!.artifact]);
    expect(lines.some((l) => l.startsWith('building'))).toBe(false);
    const ledger = releasesReply(hello.name, 'production', await releases.list(hello.name, 'production'));
    expect(ledger.code?.[0]).toMatch(/\* v3 +live, rollback of v1 /);
    // The releases that went live before it say what replaced them.
    expect(ledger.code?.[0]).toMatch(/ {2}v2 +replaced by v3 /);
    expect(ledger.code?.[0]).toMatch(/ {2}v1 +replaced by v2 /);

    const unknown = await failure(run(rollbackProcessor, hello, {}, { target: 'v9' }));
    // v1's image is the live one (v3 redeployed it): only v2 is a rollback that changes anything.
    expect(unknown).toEqual({
      code: 'rollback_target_unavailable',
      message: `${hello.name} (production) has no release v9; releases you can roll back to: v2`,
    });
    const bad = await failure(run(rollbackProcessor, hello, {}, { target: 'yesterday' }));
    expect(bad.code).toBe('bad_release');
    // "to v2" redeploys v2's image as v4.
    await run(rollbackProcessor, hello, {}, { target: 'to v2' });
    expect(await page(hello.port)).toContain('two from release v4');
  });

  it('keepImages: 2 over four deploys keeps the two newest images; a pruned target is refused with what remains', async () => {
    const hello = await bed.freshApp();
    for (const word of ['alpha', 'beta', 'gamma', 'delta']) await run(deployProcessor, hello, { source: source(word), keepImages: 2 });
    const ledger = await releases.list(hello.name, 'production');
    const ids = ledger.map((r) => r.artifact);
    expect(new Set(ids).size).toBe(4);
    expect(await imagesOf(hello.name)).toEqual([ids[2], ids[3]].sort());
    expect(await releases.pruned!(hello.name, 'production')).toEqual(new Set([ids[0], ids[1]]));
    const pruned = await failure(run(rollbackProcessor, hello, { keepImages: 2 }, { target: 'v1' }));
    expect(pruned).toEqual({
      code: 'rollback_target_unavailable',
      message: `the image of v1 of ${hello.name} was deleted by image retention (apps[].keepImages: 2); releases you can roll back to: v3`,
    });
    const table = releasesReply(hello.name, 'production', ledger, await releases.pruned!(hello.name, 'production')).code?.[0] ?? '';
    expect(
      table
        .split('\n')
        .filter((l) => l.includes(' deleted'))
        .map((l) => l.trim().split(/\s+/)[0]),
    ).toEqual(['v2', 'v1']);
    // A dry run to v3 lists no image to delete: v1's and v2's are gone already, v3's and v4's stay.
    const plan = await run(rollbackProcessor, hello, { keepImages: 2 }, { 'dry-run': true });
    expect(plan.fields).toContainEqual({ label: 'delete images', value: 'none' });
    // With keepImages 1 the plan would still keep v3's (live then) and v4's (the default target then).
    const tight = await run(rollbackProcessor, hello, { keepImages: 1 }, { 'dry-run': true });
    expect(tight.fields).toContainEqual({ label: 'delete images', value: 'none' });
    // The default rollback (to v3) keeps v3's and v4's images: v4's is the next default target.
    await run(rollbackProcessor, hello, { keepImages: 2 });
    expect(await page(hello.port)).toContain('gamma from release v5');
    expect(await imagesOf(hello.name)).toEqual([ids[2], ids[3]].sort());
  });

  it('a rollback whose replicas fail the health gate switches nothing and is recorded as failed', async () => {
    const hello = await bed.freshApp();
    await run(deployProcessor, hello, { source: source('first') });
    await run(deployProcessor, hello, { source: source('second') });
    const broken = { health: { path: '/missing', timeoutSeconds: 10, graceSeconds: 0, retries: 2 } };
    const err = await failure(run(rollbackProcessor, hello, broken));
    expect(err.code).toBe('health_check_failed');
    expect(await page(hello.port)).toContain('second from release v2');
    const [v1, , v3] = await releases.list(hello.name, 'production');
    expect(v3).toMatchObject({ number: 3, outcome: 'failed', artifact: v1!.artifact, rollbackOf: 1 });
    // v2 still serves, so v1 is still the default target.
    await run(rollbackProcessor, hello, {});
    expect(await page(hello.port)).toContain('first from release v4');
  });

  it('a rollback starts the desired replica count that scale stored, not the configured one', async () => {
    const hello = await bed.freshApp();
    await run(deployProcessor, hello, { source: source('uno') });
    await run(deployProcessor, hello, { source: source('dos') });
    await desired.set(hello.name, 'production', 2);
    const result = await run(rollbackProcessor, hello, {});
    expect(result.title).toMatch(/ v3 live: rollback of v1 \(2\/2 healthy\)$/);
    expect(await servingImages(hello.name)).toEqual([expect.any(String), expect.any(String)]);
    expect(new Set(await servingImages(hello.name))).toEqual(new Set([(await releases.get(hello.name, 'production', 1))!.artifact]));
  });
});

const containersOf = async (app: string) =>
  (await docker.listContainers({ filters: { label: [`voxoz.instance=${instance}`, `voxoz.app=${app}`] } })).map((c) => c.Id);

describe('restart', () => {
  it("starts the live image afresh as a new release with today's settings and no failed request; rollback then skips that image", async () => {
    const hello = await bed.freshApp();
    expect(await failure(run(restartProcessor, hello, {}))).toEqual({
      code: 'no_live_release',
      message: `${hello.name} (production) has no live release to restart; deploy it first with "deploy ${hello.name}"`,
    });
    await run(deployProcessor, hello, { source: source('eins') });
    await run(deployProcessor, hello, { source: source('zwei') });
    const [r1, r2] = await releases.list(hello.name, 'production');
    const plan = await run(restartProcessor, hello, {}, { 'dry-run': true });
    expect(plan.title).toBe(`dry run: ${hello.name} (production) would restart v2 as v3; nothing was changed`);
    expect(plan.fields).toContainEqual({ label: 'retire', value: `${instance}-${hello.name}-production-v2-0` });
    expect(await releases.list(hello.name, 'production')).toEqual([r1, r2]);
    const before = await containersOf(hello.name);
    expect(before).toHaveLength(1);

    const probe = startProbe(`127.0.0.1:${hello.port}`, { perSecond: 50, maxMs: 30_000 });
    const lines: string[] = [];
    // The configured source is a third content now (a rebuild would serve "drei"), and a variable was added.
    const result = await run(restartProcessor, hello, { source: source('drei'), env: { RESTART_MARK: 'fresh' } }, {}, ioFor(lines));
    const answers = await probe.stop();
    expect(result.title).toBe(`${hello.name} v3 live: restart of v2 (1/1 healthy)`);
    expect(result.fields).toContainEqual({ label: 'release', value: 'v3 (restart of v2)' });
    expect(answers.length).toBeGreaterThan(20);
    expect(answers.filter((a) => !a.ok)).toEqual([]);
    expect(await page(hello.port)).toContain('zwei from release v3');
    expect(lines.some((l) => l.startsWith('building'))).toBe(false);
    const v3 = await releases.get(hello.name, 'production', 3);
    expect(v3).toMatchObject({ number: 3, outcome: 'live', artifact: r2!.artifact, image: r2!.image, restartOf: 2 });
    const after = await containersOf(hello.name);
    expect(after).toHaveLength(1);
    expect(after).not.toContain(before[0]);
    expect(await servingImages(hello.name)).toEqual([r2!.artifact]);
    expect((await docker.getContainer(after[0]!).inspect()).Config.Env).toContain('RESTART_MARK=fresh');
    const ledger = releasesReply(hello.name, 'production', await releases.list(hello.name, 'production'));
    expect(ledger.code?.[0]).toMatch(/\* v3 +live, restart of v2 /);
    expect(ledger.code?.[0]).toMatch(/ {2}v2 +replaced by v3 /);

    // v2 has the live image: the default rollback goes to v1, and v2 by name is refused saying why.
    const back = await run(rollbackProcessor, hello, {}, { 'dry-run': true });
    expect(back.title).toBe(`dry run: ${hello.name} (production) would roll back to v1 as v4; nothing was changed`);
    expect(await failure(run(rollbackProcessor, hello, {}, { target: 'v2' }))).toEqual({
      code: 'rollback_target_unavailable',
      message: `v2 of ${hello.name} has the same image as the live v3, so rolling back to it would change nothing (to start it afresh, run "restart ${hello.name}"); releases you can roll back to: v1`,
    });
    await run(rollbackProcessor, hello, {});
    expect(await page(hello.port)).toContain('eins from release v4');
  });

  it('keeps the desired count; is refused with nothing changed when its approval is void or the app is scaled to 0', async () => {
    const hello = await bed.freshApp();
    await run(deployProcessor, hello, { source: source('un') });
    await desired.set(hello.name, 'production', 2);
    const result = await run(restartProcessor, hello, {});
    expect(result.title).toBe(`${hello.name} v2 live: restart of v1 (2/2 healthy)`);
    expect(await servingImages(hello.name)).toHaveLength(2);
    // Approved against v1 (an approval rule for restart): void now that v2 serves.
    expect(await failure(run(restartProcessor, hello, {}, { bound: 1 }))).toEqual({
      code: 'approval_void',
      message: `v2 of ${hello.name} (production) went live after this restart was approved against v1; the approval no longer applies and nothing was done`,
    });
    await desired.set(hello.name, 'production', 0);
    expect(await failure(run(restartProcessor, hello, {}))).toEqual({
      code: 'scaled_to_zero',
      message: `${hello.name} (production) is scaled to 0, so no replica runs to restart; "scale ${hello.name} <n>" starts v2 again`,
    });
    expect((await releases.list(hello.name, 'production')).map((r) => r.number)).toEqual([1, 2]);
  });
});
