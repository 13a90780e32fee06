import { randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { findFreePort } from '../../src/services/free-port.ts';
import { waitUntil } from '../../src/services/wait-until.ts';
import { dockerTestbed, page } from '../support/docker-apps.ts';
import { startSpine, type Spine } from '../support/spine-harness.ts';
import { HELLO_APP_DIR } from '../support/start-voxoz.ts';
import { writeTree } from '../support/write-tree.ts';

// `promote` and `logs` from chat to the real engine and the real front door: the dispatcher,
// the queue, workers running the processors, the ledger in Redis, and the relay into the thread.
const bed = dockerTestbed();
const dirs: string[] = [];
let spine: Spine | undefined;
afterEach(async () => {
  await spine?.close();
  spine = undefined;
});
afterAll(async () => {
  await bed.cleanup();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const scratchDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'vxp-'));
  dirs.push(d);
  return d;
};
const imagesOf = async (app: string, env: string) =>
  (
    await bed.docker.listContainers({
      filters: { label: [`voxoz.instance=${bed.instance}`, `voxoz.app=${app}`, `voxoz.env=${env}`] },
    })
  ).map((c) => c.ImageID);

describe('promote <app> <from-env> <to-env> from chat', () => {
  it("deploys staging's live image to production with no rebuild, records it, and refuses same, unknown or empty environments", async () => {
    const name = `pr${randomUUID().slice(0, 6)}`;
    const [prodPort, stagingPort] = [await findFreePort(), await findFreePort()];
    const source = scratchDir();
    cpSync(HELLO_APP_DIR, source, { recursive: true });
    const app = {
      name,
      source: { path: source },
      port: prodPort,
      environments: { production: {}, staging: { port: stagingPort } },
      health: { timeoutSeconds: 10 },
      drainSeconds: 1,
    };
    // alice is a listed person: `releases` names her, not her identity.
    spine = await startSpine({ docker: bed.driver }, { apps: [app], people: { alice: { local: 'alice' } } });
    await spine.startWorkers();
    spine.startRelay();
    const s = spine;
    const end = (text: string) => s.outcome(text);

    const unknown = await s.say('alice', `promote ${name} staging qa`);
    expect(unknown.job).toBeUndefined();
    expect(unknown.reply?.text).toBe(
      `${name} has no environment "qa" (it has: production, staging); add it under apps[].environments in voxoz.yml`,
    );
    const missing = await s.say('alice', `promote ${name} staging`);
    expect(missing.reply?.text).toContain('<to-env> is missing (the environment it is deployed to (e.g. production))');
    const same = await s.say('alice', `promote ${name} staging staging`);
    expect(same.job).toBeUndefined();
    expect(same.reply).toMatchObject({
      title: 'promote: same environment',
      text: `${name}: promote needs two different environments, got "staging" twice; e.g. "promote ${name} staging production". Nothing was queued.`,
    });
    expect((await end(`promote ${name} staging production`)).text).toBe(
      `${name} has nothing live in staging to promote; deploy it there first with "deploy ${name} --env staging"`,
    );

    expect((await end(`deploy ${name} --env staging`)).title).toBe(`${name} v1 live (1/1 healthy)`);
    // The source changes after the staging deploy: a rebuild would show it, a promotion must not.
    writeFileSync(join(source, 'index.html'), 'REBUILT from the changed tree\n');
    const stagingImage = (await s.releases.list(name, 'staging'))[0]!.artifact;
    const promoted = await end(`promote ${name} staging production`);
    expect(promoted.title).toBe(`${name} v1 live in production: promoted from staging v1 (1/1 healthy)`);
    expect(await page(prodPort)).toContain('hello from release v1');
    expect(await page(prodPort)).not.toContain('REBUILT');
    expect(await imagesOf(name, 'production')).toEqual([stagingImage]);
    const ledger = (await s.releases.list(name, 'production'))[0]!;
    expect(ledger).toMatchObject({ artifact: stagingImage, outcome: 'live', promotedFrom: { env: 'staging', number: 1 } });
    const shown = await s.say('bob', `releases ${name}`);
    expect(shown.reply?.code?.[0]).toMatch(/\* v1 +live, promoted from staging v1 /);
    expect(shown.reply?.code?.[0]).toMatch(/ alice +\d{4}-\d\d-\d\d /);
    expect(shown.reply?.code?.[0]).not.toContain('local:alice');

    // A dry run says what it would start, switch and retire, and reserves no release number.
    const plan = await end(`promote ${name} staging production --dry-run`);
    expect(plan.title).toBe(`dry run: ${name} (production) would promote staging v1 to production as v2; nothing was changed`);
    expect(plan.fields).toEqual(
      expect.arrayContaining([
        { label: 'image', value: expect.stringMatching(new RegExp(`\\(${stagingImage.slice(7, 19)}\\), no rebuild$`)) },
        { label: 'retire', value: expect.stringMatching(new RegExp(`^\\S+-${name}-production-v1-0$`)) },
        { label: 'delete images', value: 'none' },
      ]),
    );
    expect((await s.releases.list(name, 'production')).map((r) => r.number)).toEqual([1]);

    // A person's lock on the source env does not stop it; one on the target env refuses it at once.
    await s.say('bob', `lock ${name} --env staging QA`);
    expect((await end(`promote ${name} staging production`)).title).toMatch(
      new RegExp(`^${name} v2 live in production: promoted from staging v1 `),
    );
    await s.say('bob', `unlock ${name} --env staging`);
    await s.say('bob', `lock ${name} freeze`);
    const locked = await s.say('alice', `promote ${name} staging production`);
    expect(locked.job).toBeUndefined();
    expect(locked.reply?.text).toMatch(new RegExp(`^${name} \\(production\\) is locked by bob since .*: freeze\\. Nothing was changed`));
    await s.say('bob', `unlock ${name}`);

    // A promotion to an environment scaled to 0 starts config's replicas, and desired is config's again.
    expect((await end(`scale ${name} 0`)).title).toBe(`${name} scaled to 0: it no longer serves (production)`);
    expect((await end(`promote ${name} staging production`)).title).toMatch(
      new RegExp(`^${name} v3 live in production: promoted from staging v1 \\(1/1 healthy\\)$`),
    );
    expect((await end(`status ${name}`)).fields).toContainEqual({
      label: `${name} (production) replicas`,
      value: 'desired 1, running 1',
    });
  });
});

describe('image retention across environments', () => {
  it("keeps the image production's ledger still needs after a promotion, though staging's retention would delete it", async () => {
    const name = `rt${randomUUID().slice(0, 6)}`;
    const [prodPort, stagingPort] = [await findFreePort(), await findFreePort()];
    const source = scratchDir();
    cpSync(HELLO_APP_DIR, source, { recursive: true });
    const app = {
      name,
      source: { path: source },
      port: prodPort,
      environments: { production: {}, staging: { port: stagingPort } },
      health: { timeoutSeconds: 10 },
      drainSeconds: 1,
      keepImages: 1,
    };
    spine = await startSpine({ docker: bed.driver }, { apps: [app] });
    await spine.startWorkers();
    spine.startRelay();
    const s = spine;
    const end = (text: string) => s.outcome(text);
    // Each build differs (the tree changes), so each staging release has its own image.
    for (const n of [1, 2]) {
      writeFileSync(join(source, 'marker.txt'), `build ${n}\n`);
      expect((await end(`deploy ${name} --env staging`)).title).toBe(`${name} v${n} live (1/1 healthy)`);
      expect((await end(`promote ${name} staging production`)).title).toMatch(new RegExp(`^${name} v${n} live in production`));
    }
    const first = (await s.releases.list(name, 'staging'))[0]!.artifact;
    writeFileSync(join(source, 'marker.txt'), 'build 3\n');
    // Staging keeps v3 and v2 (its rollback target); v1's image runs nowhere, but it is production's rollback target.
    const plan = await end(`deploy ${name} --env staging --dry-run`);
    expect(plan.fields).toContainEqual({ label: 'delete images', value: 'none' });
    expect((await end(`deploy ${name} --env staging`)).title).toBe(`${name} v3 live (1/1 healthy)`);
    expect(
      (await bed.docker.listImages({ filters: { label: [`voxoz.instance=${bed.instance}`, `voxoz.app=${name}`] } })).map((i) => i.Id),
    ).toContain(first);
    expect((await end(`rollback ${name} --env production`)).title).toBe(`${name} v3 live: rollback of v1 (1/1 healthy)`);
    expect(await imagesOf(name, 'production')).toEqual([first]);
  });
});

describe('logs <app> from chat', () => {
  it('shows stdout and stderr apart in the thread and the attached file, masks the secret, and refuses bad options with the valid forms', async () => {
    const name = `lg${randomUUID().slice(0, 6)}`;
    const port = await findFreePort();
    const source = scratchDir();
    writeTree(source, {
      Dockerfile: 'FROM busybox\nCOPY start.sh /start.sh\nCMD ["/bin/sh", "/start.sh"]\n',
      'start.sh': [
        'mkdir -p /www && echo ok > /www/index.html',
        'echo "out line one"',
        'echo "err line one" >&2',
        'echo "token is $LOG_TOKEN"',
        // It serves until /tmp/crash exists; from then on each run crashes (a crash loop).
        'httpd -f -p "127.0.0.1:$PORT" -h /www &',
        'while [ ! -f /tmp/crash ]; do sleep 0.2; done',
        'echo "crashing" >&2',
        'exit 3',
        '',
      ].join('\n'),
    });
    // The spine's workers mask "hunter22" (a secret voxoz knows); the app prints it.
    const app = { name, source: { path: source }, port, env: { LOG_TOKEN: 'hunter22' }, health: { timeoutSeconds: 10 }, drainSeconds: 1 };
    spine = await startSpine({ docker: bed.driver }, { apps: [app] });
    await spine.startWorkers();
    spine.startRelay();
    const s = spine;
    const run = async (text: string) => {
      const { thread } = await s.say('alice', text);
      return s.waitForEnd(thread, 90_000);
    };

    const bad = await s.say('alice', `logs ${name} --tail 0 --since 10x --replica=-1`);
    expect(bad.job).toBeUndefined();
    expect(bad.reply?.text).toBe(
      [
        '• --tail: must be 1..5000, got 0',
        '• --since: "10x" is not a duration of 1s..30d; write it like 90s, 10m, 2h or 1d',
        '• --replica: must be 0..99, got -1',
        'Usage: voxoz logs <app> [--env <env>] [--tail <n>] [--since <duration>] [--replica <n>] [--follow <duration>]',
      ].join('\n'),
    );
    expect((await run(`logs ${name}`)).messages[1]!.reply!.text).toBe(
      `no replica of ${name} (production) is running, so there are no logs to show; "status ${name}" shows its state`,
    );

    expect((await run(`deploy ${name}`)).messages[1]!.reply!.title).toBe(`${name} v1 live (1/1 healthy)`);
    const t = await run(`logs ${name} --since 1h`);
    const parent = t.messages[1]!.reply!;
    expect(parent.title).toBe(`logs ${name} (production): 3 lines from 1 replica`);
    const thread = t.messages.map((m) => m.text ?? '').join('\n');
    expect(thread).toContain('v1-0 out | out line one');
    expect(thread).toContain('v1-0 err | err line one');
    expect(thread).toContain('v1-0 out | token is ••••');
    expect(thread).not.toContain('hunter22');
    await waitUntil('the log file', async () => (await s.chat.thread(t.id))?.messages.some((m) => m.kind === 'file') ?? false, 20_000, 50);
    const file = (await s.chat.thread(t.id))!.messages.find((m) => m.kind === 'file')!.file!;
    expect(file.content).toContain('v1-0 err | err line one');
    expect(file.content).not.toContain('hunter22');

    expect((await run(`logs ${name} --tail 1`)).messages[1]!.reply!.title).toBe(`logs ${name} (production): 1 line from 1 replica`);
    expect((await run(`logs ${name} --replica 3`)).messages[1]!.reply!.text).toBe(
      `${name} (production) has no running replica 3; give --replica one of: 0`,
    );

    // A follow goes on across the engine's restarts of a crash-looping replica, and says each.
    const follow = await s.say('alice', `logs ${name} --tail 1 --follow 60s`);
    const threadText = async () => ((await s.chat.thread(follow.thread))?.messages ?? []).map((m) => m.text ?? '').join('\n');
    // Its first line: the last one the replica wrote (which of its three, the engine's order of out and err says).
    await waitUntil('the follow to begin', async () => /\nv1-0 (out|err) \| /.test(await threadText()), 20_000, 50);
    const [replica] = await bed.docker.listContainers({ filters: { label: [`voxoz.instance=${bed.instance}`, `voxoz.app=${name}`] } });
    const touch = await bed.docker.getContainer(replica!.Id).exec({ Cmd: ['touch', '/tmp/crash'] });
    await touch.start({ Detach: true });
    const restarts = async () => (await threadText()).match(/^v1-0 restarted \| /gm)?.length ?? 0;
    await waitUntil('two restarts in the thread', async () => (await restarts()) >= 2, 30_000, 50);
    // Stopped while the engine waits to run it again (no run cut short).
    const container = bed.docker.getContainer(replica!.Id);
    await waitUntil('the engine waiting to restart it', async () => (await container.inspect()).State.Restarting, 30_000, 20);
    await container.stop({ t: 1 });
    const followed = await s.waitForEnd(follow.thread, 30_000);
    const lines = followed.messages.map((m) => m.text ?? '').join('\n');
    expect(lines).toMatch(
      /\nv1-0 err \| crashing\nv1-0 restarted \| the engine restarted it after it exited( with code 3)? \(restart \d+ of this replica\); its lines follow\nv1-0 (out|err) \| (out|err) line one\n/,
    );
    // Each run's lines once, none left out: the last restart named is the last run, and every
    // run after the first (of which the follow began with the last line) said each line.
    const last = Number([...lines.matchAll(/\(restart (\d+) of this replica\)/g)].at(-1)![1]);
    expect(lines.match(/^v1-0 err \| crashing$/gm)).toHaveLength(last + 1);
    const said = ['out | out line one', 'err | err line one', 'out | token is ••••'].map(
      (l) => lines.split('\n').filter((x) => x === `v1-0 ${l}`).length,
    );
    expect(said.reduce((a, b) => a + b)).toBe(3 * last + 1);
    for (const n of said) expect([last, last + 1]).toContain(n);
    expect(lines).toContain('v1-0 ended | the replica stopped');
    expect(followed.messages[1]!.reply!.text).toMatch(/until every replica it followed had stopped/);
  });
});
