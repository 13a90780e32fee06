import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type Docker from 'dockerode';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Alerts, startAlerts } from '../../src/alerts/start-alerts.ts';
import type { Reply } from '../../src/core/types.ts';
import { createDockerClient } from '../../src/drivers/docker/docker-client.ts';
import { createDockerDriver } from '../../src/drivers/docker/docker-driver.ts';
import { ensureBusyboxImage } from '../../src/drivers/docker/ensure-busybox-image.ts';
import { watchDockerEvents } from '../../src/drivers/docker/watch-events.ts';
import type { JobEvent } from '../../src/jobs/job-event.ts';
import { silentLogger } from '../../src/observability/logger.ts';
import { findFreePort } from '../../src/services/free-port.ts';
import { createDesiredStore } from '../../src/store/desired-store.ts';
import { startSpine, type Spine } from '../support/spine-harness.ts';
import { waitFor } from '../support/wait-for.ts';

// Alerts from the private dockerd's event stream: raw replicas labelled as the Docker driver
// labels them (release 1, live in the release store), the real relay posting to the local
// chat's `ops` channel, and what a person reads there.
const docker = createDockerClient(inject('dockerHost'));
/** Config wants a source; nothing is built here. */
const APP_DIR = resolve(import.meta.dirname, '../../examples/hello');
const instance = `a${randomUUID().slice(0, 8)}`;
const scratch = mkdtempSync(join(tmpdir(), 'vxa-'));
const driver = createDockerDriver({ docker, instance, workDir: join(scratch, 'builds'), secretValues: () => ({}) });
let spine: Spine | undefined;
const running: Alerts[] = [];

beforeAll(() => ensureBusyboxImage(docker));
afterEach(async () => {
  for (const a of running.splice(0)) await a.close();
  await spine?.close();
  spine = undefined;
});
afterAll(async () => {
  const left = await docker.listContainers({ all: true, filters: { label: [`voxoz.instance=${instance}`] } });
  for (const c of left) await docker.getContainer(c.Id).remove({ force: true });
  rmSync(scratch, { recursive: true, force: true });
});

/** Serves 200 on 127.0.0.1:$PORT (what the health probe asks). */
const SERVE = 'mkdir -p /tmp/w && echo ok > /tmp/w/index.html && exec httpd -f -p 127.0.0.1:$PORT -h /tmp/w';

async function replica(
  app: string,
  port: number,
  script: string,
  host: Docker.HostConfig = {},
  release = 1,
  index = 0,
): Promise<Docker.Container> {
  return docker.createContainer({
    name: `${instance}-${app}-production-v${release}-${index}`,
    Image: 'busybox:latest',
    Cmd: ['sh', '-c', script],
    Env: [`PORT=${port}`],
    Labels: {
      'voxoz.instance': instance,
      'voxoz.app': app,
      'voxoz.env': 'production',
      'voxoz.release': String(release),
      'voxoz.port': String(port),
    },
    HostConfig: { NetworkMode: 'host', ...host },
  });
}

interface TestApp {
  name: string;
  port: number;
  alerts: Record<string, unknown>;
  /** voxoz.yml's `environments` of the app. @defaultValue production only */
  environments?: Record<string, unknown>;
}

async function testApp(prefix: string, alerts: Record<string, unknown> = {}, environments?: Record<string, unknown>): Promise<TestApp> {
  return { name: `${prefix}${randomUUID().slice(0, 6)}`, port: await findFreePort(), alerts, ...(environments ? { environments } : {}) };
}

/** The spine (Redis, relay, local chat) with these apps live at release 1, desired 1. */
async function start(apps: TestApp[]): Promise<Spine> {
  const s = await startSpine(
    {},
    {
      apps: apps.map((a) => ({ name: a.name, source: { path: APP_DIR }, port: a.port, alerts: a.alerts, environments: a.environments })),
      chat: { systemChannel: { local: 'ops' } },
    },
  );
  spine = s;
  for (const a of apps)
    await s.releases.record({
      app: a.name,
      env: 'production',
      number: 1,
      artifact: 'busybox',
      deployedBy: 'test',
      at: new Date().toISOString(),
      outcome: 'live',
      jobId: `job-${a.name}`,
    });
  s.startRelay();
  return s;
}

/** One bot process's alerts: its own engine watcher and Redis client, the spine's keys. */
function alertsOf(s: Spine): Alerts {
  const a = startAlerts({
    redis: s.redis,
    keys: s.keys,
    config: () => s.config,
    drivers: { docker: driver },
    releases: s.releases,
    desired: createDesiredStore(s.redis, s.keys),
    watchers: { docker: (onEvent, opts) => watchDockerEvents(docker, instance, onEvent, { ...opts, log: silentLogger }) },
    log: silentLogger,
    sweepMs: 300,
  });
  running.push(a);
  return a;
}

/** The alert messages in `ops` about `app`: each thread's parent as it reads now. */
async function alertsAbout(s: Spine, app: string): Promise<Array<{ thread: string; state: string; reply: Reply; edits: number }>> {
  const out = [];
  for (const t of await s.chat.threadsIn('ops')) {
    const thread = await s.chat.thread(t.id);
    const parent = thread?.messages.find((m) => m.kind === 'parent');
    if (parent?.reply && parent.text.includes(`${app}/production`))
      out.push({ thread: t.id, state: thread!.state, reply: parent.reply, edits: parent.edits });
  }
  return out;
}

/** The events the job store holds for a message record. */
async function eventsOf(s: Spine, id: string): Promise<JobEvent[]> {
  const entries = await s.redis.xrange(s.keys.events(id), '-', '+');
  return entries.map(([, fields]) => JSON.parse(fields[1]!) as JobEvent);
}

describe('alerts from the engine', () => {
  it('a replica OOM-killed under its memory limit: one OOM alert, closed with "recovered after" once it runs again', async () => {
    const hog = await testApp('hog', { graceSeconds: 5, stableSeconds: 3 });
    const s = await start([hog]);
    alertsOf(s);
    // First run: grows a string past 8 MiB (no swap) and is killed; the restart finds its mark and serves.
    const c = await replica(hog.name, hog.port, `if [ ! -e /tmp/ran ]; then touch /tmp/ran; x=a; while :; do x=$x$x; done; fi; ${SERVE}`, {
      Memory: 8 * 1024 * 1024,
      MemorySwap: 8 * 1024 * 1024,
      RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 3 },
    });
    await c.start();
    const [closed] = await waitFor(
      'the OOM alert to close',
      async () => {
        const found = await alertsAbout(s, hog.name);
        return found.length > 0 && found.every((f) => f.state === 'done') && found;
      },
      60_000,
    );
    expect((await c.inspect()).RestartCount).toBe(1);
    for (const a of running) await a.sweep();
    expect(await s.redis.hget(s.keys.alertIncident(hog.name, 'production', 'oom'), 'id')).toBeNull();
    const all = await alertsAbout(s, hog.name);
    expect(all).toHaveLength(1);
    expect(closed!.reply.title).toMatch(new RegExp(`^${hog.name}/production OOM kill: recovered after \\d+ s$`));
    expect(closed!.reply.text).toContain('OOM-killed 1 time');
    expect(closed!.reply.text).toContain('1/1 running');
    expect(closed!.reply.status).toBe('succeeded');
  });

  it('a crash loop with two bot processes: one message, edited as exits add up, closed once it stops crashing; an app with alerts off posts nothing', async () => {
    const loop = await testApp('loop', { crashLoop: { dies: 3, withinSeconds: 120 }, graceSeconds: 30, stableSeconds: 3 });
    const quiet = await testApp('quiet', { off: true, crashLoop: { dies: 3, withinSeconds: 120 } });
    const s = await start([loop, quiet]);
    const first = alertsOf(s);
    alertsOf(s);
    // Exits 1 on each of its first four runs, then serves; the test starts each run (no restart policy).
    const crashy = `n=$(cat /tmp/n 2>/dev/null || echo 0); n=$((n+1)); echo $n > /tmp/n; [ $n -le 4 ] && exit 1; ${SERVE}`;
    const c = await replica(loop.name, loop.port, crashy);
    const q = await replica(quiet.name, quiet.port, crashy);
    const run = async (container: Docker.Container) => {
      await container.start();
      expect((await container.wait()).StatusCode).toBe(1);
    };
    // Release 2's replica (a deploy that is failing, not live) exits too: not the live app's trouble.
    const next = await replica(loop.name, loop.port, 'exit 2', {}, 2);
    const runNext = async () => {
      await next.start();
      expect((await next.wait()).StatusCode).toBe(2);
    };
    for (let i = 0; i < 3; i += 1) await Promise.all([run(c), run(q), runNext()]);

    const [opened] = await waitFor('the crash-loop alert', async () => {
      const found = await alertsAbout(s, loop.name);
      return found.length > 0 && found[0]!.reply.title.includes('3 exits') && found;
    });
    expect(opened!.reply.title).toMatch(
      new RegExp(`^alert: ${loop.name}/production crash loop: 3 exits since .* UTC, last exit code 1 \\(`),
    );

    // One bot process stops and another starts: the incident lives in Redis, the newcomer edits it.
    await first.close();
    alertsOf(s);
    await Promise.all([run(c), run(q)]);
    await waitFor('the alert edited to 4 exits', async () => (await alertsAbout(s, loop.name))[0]?.reply.title.includes('4 exits'));

    // The fifth run serves: 1/1 running, healthy, no exit for 3 s → recovered.
    await c.start();
    const [closed] = await waitFor(
      'the crash-loop alert to close',
      async () => {
        const found = await alertsAbout(s, loop.name);
        return found[0]?.state === 'done' && found;
      },
      60_000,
    );
    expect(closed!.reply.title).toMatch(new RegExp(`^${loop.name}/production crash loop: recovered after \\d+ s$`));
    expect(closed!.reply.text).toContain('4 exits since');
    expect(closed!.reply.steps?.map((st) => st.name)).toEqual([
      expect.stringMatching(/^3 exits since .* UTC, last exit code 1 \(/),
      expect.stringMatching(/^4 exits since .* UTC, last exit code 1 \(/),
    ]);
    expect(closed!.edits).toBeGreaterThan(0);

    // One message for it in all (three watchers saw every exit), its record closed; nothing for the app with alerts off.
    // Looked at again after the close: the exits it counted open nothing new.
    for (const a of running) await a.sweep();
    expect(await alertsAbout(s, loop.name)).toHaveLength(1);
    expect(await alertsAbout(s, quiet.name)).toEqual([]);
    expect(await s.redis.exists(s.keys.alertSignals(quiet.name, 'production'))).toBe(0);
    expect(await s.redis.hget(s.keys.alertIncident(loop.name, 'production', 'crash-loop'), 'id')).toBeNull();
    const id = (await s.redis.keys(`${s.keys.jobPrefix}alert-*`)).filter((k) => !k.endsWith(':events'));
    expect(id).toHaveLength(1);
    const events = await eventsOf(s, id[0]!.slice(s.keys.jobPrefix.length));
    expect(events.filter((e) => e.type === 'done')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'step' && e.state === 'running').map((e) => (e as { step: string }).step)).toEqual([
      expect.stringMatching(/^3 exits/),
      expect.stringMatching(/^4 exits/),
    ]);
  });

  it('fewer replicas than desired past the grace: one alert, edited as the count moves, closed at the desired count', async () => {
    const few = await testApp('few', { graceSeconds: 1, stableSeconds: 1 });
    const s = await start([few]);
    const desired = createDesiredStore(s.redis, s.keys);
    await desired.set(few.name, 'production', 3);
    const first = await replica(few.name, few.port, SERVE);
    await first.start();
    alertsOf(s);
    await waitFor('the missing-replicas alert', async () =>
      (await alertsAbout(s, few.name))[0]?.reply.title.includes('1 of 3 replicas running'),
    );

    const secondPort = await findFreePort();
    const second = await docker.createContainer({
      ...(await first.inspect()).Config,
      name: `${instance}-${few.name}-production-v1-1`,
      Env: [`PORT=${secondPort}`],
      Labels: { ...(await first.inspect()).Config.Labels, 'voxoz.port': String(secondPort) },
      HostConfig: { NetworkMode: 'host' },
    });
    await second.start();
    await waitFor('the alert edited to 2 of 3', async () =>
      (await alertsAbout(s, few.name))[0]?.reply.title.includes('2 of 3 replicas running'),
    );

    await desired.set(few.name, 'production', 2);
    const [closed] = await waitFor('the alert to close', async () => {
      const found = await alertsAbout(s, few.name);
      return found[0]?.state === 'done' && found;
    });
    expect(closed!.reply.title).toMatch(new RegExp(`^${few.name}/production missing replicas: recovered after \\d+ s$`));
    expect(closed!.reply.text).toContain('2/2 running');
    expect(closed!.reply.steps?.map((st) => st.name)).toEqual([
      expect.stringMatching(/^1 of 3 replicas running \(/),
      expect.stringMatching(/^2 of 3 replicas running \(/),
      // At the desired count, not yet stable for stableSeconds: the message says so before it closes.
      expect.stringMatching(/^2 of 2 replicas running \(/),
    ]);
    expect(await alertsAbout(s, few.name)).toHaveLength(1);
  });

  it("counts an environment's own replicas from voxoz.yml as desired when no scale set one", async () => {
    const pair = await testApp('pair', { graceSeconds: 1 }, { production: { replicas: 2 } });
    const s = await start([pair]);
    await (await replica(pair.name, pair.port, SERVE)).start();
    alertsOf(s);
    await waitFor('the missing-replicas alert', async () =>
      (await alertsAbout(s, pair.name))[0]?.reply.title.includes('1 of 2 replicas running'),
    );
  });
});
