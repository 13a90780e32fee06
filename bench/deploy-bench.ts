/**
 * Deploy benchmark: `node bin/run-ts.js bench/deploy-bench.ts`. Same host, same engine, same
 * caddy, same run, alternating rounds:
 *   a. `deploy` of a prebuilt image, 3 replicas, through voxoz's real dispatcher, queue, worker,
 *      Docker driver and front door, against b. the docker CLI sequence a person would type.
 *   c. 0 → 20 replicas with `scale`, against a `docker run -d` loop of 20, each waited healthy.
 *   d. a job's end to its final message in the parent (real relay, Slack simulator).
 * Uses REDIS_URL / DOCKER_HOST when set, else starts its own redis-server and private dockerd.
 * Only 127.0.0.1 is used; containers use host networking.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSlackSurface } from '../adapters/slack/slack-surface.ts';
import { createDockerClient } from '../src/drivers/docker/docker-client.ts';
import { createDockerDriver } from '../src/drivers/docker/docker-driver.ts';
import { ensureBusyboxImage } from '../src/drivers/docker/ensure-busybox-image.ts';
import { validateConfig } from '../src/config/load-config.ts';
import { createCaddyFrontDoor } from '../src/frontdoor/caddy-front-door.ts';
import { silentLogger } from '../src/observability/logger.ts';
import { ensureCaddy } from '../src/services/caddy.ts';
import { startDockerd } from '../src/services/dockerd.ts';
import { findFreePort } from '../src/services/free-port.ts';
import { unmountUnder } from '../src/services/unmount-under.ts';
import { redisKeys } from '../src/store/keys.ts';
import { startSlackSimulator } from '../test/support/slack-sim/index.ts';
import { startSpine } from '../test/support/spine-harness.ts';
import { HELLO_APP_DIR } from '../test/support/start-voxoz.ts';
import { jobPhases, timedDocker } from './deploy-phases.ts';
import { finalMessageLatency } from './final-message.ts';
import { benchRedis } from './own-redis.ts';
import { rawDocker } from './raw-docker.ts';

const ROUNDS = 3;
const BURST_ROUNDS = 2;
const REPLICAS = 3;
const BURST = 20;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (x: number | undefined) => (x === undefined ? '–' : `${Math.round(x)} ms`);

const dir = mkdtempSync(join(tmpdir(), 'vxdb-'));
const stops: Array<() => Promise<unknown>> = [];
try {
  const redis = await benchRedis();
  stops.push(redis.stop);
  let dockerHost = process.env.DOCKER_HOST;
  if (!dockerHost) {
    const dockerd = await startDockerd(join(dir, 'd'));
    stops.push(async () => {
      await dockerd.stop();
      unmountUnder(dir);
    });
    dockerHost = dockerd.host;
  }
  const docker = createDockerClient(dockerHost);
  await ensureBusyboxImage(docker);
  const caddy = await ensureCaddy(join(dir, 'caddy'));
  stops.push(() => caddy.stop());
  const instance = `b${process.pid.toString(36)}`;
  const timed = timedDocker(docker);
  const driver = createDockerDriver({
    docker: timed.docker,
    instance,
    workDir: join(dir, 'builds'),
    secretValues: () => ({}),
    frontDoor: createCaddyFrontDoor(caddy.socket),
  });
  const raw = rawDocker(dockerHost, caddy.socket, `voxoz.bench=${instance}`);
  stops.push(async () => {
    const left = await docker.listContainers({ all: true, filters: { label: [`voxoz.instance=${instance}`] } });
    for (const c of left) await docker.getContainer(c.Id).remove({ force: true });
    await raw.clean();
  });

  const apps = [];
  for (let r = 0; r <= ROUNDS; r++)
    apps.push({
      name: r < ROUNDS ? `d${r}` : 'burst',
      source: { path: HELLO_APP_DIR },
      port: await findFreePort(),
      replicas: REPLICAS,
      health: { timeoutSeconds: 60 },
      drainSeconds: 0,
    });
  // The prebuilt image: built once here (the real build, cached layers after the first), then handed to every deploy.
  const spec = validateConfig({ apps }, join(dir, 'voxoz.yml')).apps[0]!;
  const io = { log() {}, step() {}, signal: new AbortController().signal, now: () => new Date() };
  await driver.build({ app: spec, env: 'production', release: 1, port: apps[0]!.port }, undefined, io);
  const t = performance.now();
  const artifact = await driver.build({ app: spec, env: 'production', release: 1, port: apps[0]!.port }, undefined, io);
  const cachedBuildMs = performance.now() - t;
  const spine = await startSpine({ docker: { ...driver, build: async () => artifact } }, { apps }, { redisUrl: redis.url });
  stops.push(() => spine.close());
  await spine.startWorkers(2);
  spine.startRelay();
  const job = async (text: string) => {
    const started = Date.now();
    const mark = timed.marks.length;
    const { thread, job: id } = await spine.say('alice', text);
    const end = await spine.waitForEnd(thread, 120_000);
    const title = end.messages.find((m) => m.kind === 'parent')?.reply?.title ?? '';
    if (!id || !/live|scaled|replica/.test(title)) throw new Error(`"${text}" did not succeed: ${title}`);
    return jobPhases(spine.redis, spine.keys, id, started, timed.marks.slice(mark));
  };

  // a + b: alternating rounds.
  const vox: Array<Awaited<ReturnType<typeof job>>> = [];
  const base: Array<Awaited<ReturnType<typeof raw.deploy>>> = [];
  for (let r = 0; r < ROUNDS; r++) {
    vox.push(await job(`deploy d${r}`));
    base.push(await raw.deploy(artifact.id, `raw${r}`, REPLICAS));
  }
  // c: a live release, scaled to 0, then 0 → 20; against the run loop.
  await job('deploy burst');
  const burstVox: number[] = [];
  const burstRaw: number[] = [];
  const burstPhases: Array<Awaited<ReturnType<typeof job>>> = [];
  for (let r = 0; r < BURST_ROUNDS; r++) {
    await job('scale burst 0');
    const p = await job(`scale burst ${BURST}`);
    burstPhases.push(p);
    burstVox.push(p.total);
    burstRaw.push((await raw.runLoop(artifact.id, `loop${r}`, BURST)).total);
    await raw.clean();
  }
  // d: job end → final message, through the real relay into the Slack simulator (default limits).
  const sim = await startSlackSimulator();
  stops.push(() => sim.close());
  const finals: number[] = [];
  const shortJobs: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const f = await finalMessageLatency({
      redisUrl: redis.url,
      keys: redisKeys(`bench-final-${process.pid}-${r}`),
      surface: createSlackSurface({ botToken: sim.botToken, apiUrl: sim.apiUrl, log: silentLogger }),
      channel: 'C0DEPLOY',
      shown: () => {
        const m = sim.messages('C0DEPLOY')[r];
        return m ? `${m.text}\n${JSON.stringify(m.blocks ?? [])}` : undefined;
      },
      log: silentLogger,
      jobId: `final-${r}`,
    });
    finals.push(f.endToShownMs);
    shortJobs.push(f.startToShownMs);
  }

  const med = (pick: (p: (typeof vox)[number]) => number | undefined) => median(vox.map((p) => pick(p) ?? 0));
  const medRaw = (pick: (p: (typeof base)[number]) => number) => median(base.map(pick));
  const ratio = med((p) => p.total) / medRaw((p) => p.total);
  const burstRatio = median(burstVox) / median(burstRaw);
  const rows: string[][] = [
    ['measure (median of rounds)', 'voxoz', 'raw docker CLI', 'note'],
    ['queue (say → job started)', ms(med((p) => p.queue)), '–', 'dispatch, enqueue, worker pickup, lock'],
    ['prepare (started → first create)', ms(med((p) => p.prepare)), '–', 'release number, listing, port checks'],
    [`create ×${REPLICAS}`, ms(med((p) => p.create)), ms(medRaw((p) => p.create)), 'sum of the create calls'],
    [`start ×${REPLICAS}`, ms(med((p) => p.start)), ms(medRaw((p) => p.start)), 'sum of the start calls'],
    [
      'create + start, wall clock',
      ms(med((p) => p.createStartWall)),
      ms(medRaw((p) => p.create + p.start)),
      'voxoz: in parallel; CLI: one after another',
    ],
    [
      'health (last start → all healthy)',
      ms(med((p) => p.health)),
      ms(medRaw((p) => p.health)),
      'first probe; then every 250 ms (curl loop: 100 ms)',
    ],
    ['switch (healthy → front door routes)', ms(med((p) => p.switch)), ms(medRaw((p) => p.switch)), 'caddy admin API'],
    ['finish (switched → job done)', ms(med((p) => p.finish)), '–', 'instances, release record, image retention'],
    [
      `deploy, ${REPLICAS} replicas, prebuilt image`,
      ms(med((p) => p.total)),
      ms(medRaw((p) => p.total)),
      `ratio ${ratio.toFixed(2)}× (target ≤ 1.10×)`,
    ],
    ['  rounds', vox.map((p) => ms(p.total)).join(', '), base.map((p) => ms(p.total)).join(', '), ''],
    ['  a cached build, if the image were not prebuilt', ms(cachedBuildMs), '–', 'driver.build of an unchanged context'],
    [
      `0 → ${BURST} replicas (scale vs docker run loop)`,
      ms(median(burstVox)),
      ms(median(burstRaw)),
      `ratio ${burstRatio.toFixed(2)}× (target ≤ 0.70×)`,
    ],
    ['  rounds', burstVox.map(ms).join(', '), burstRaw.map(ms).join(', '), ''],
    [
      '  of which create+start / health / switch',
      `${ms(median(burstPhases.map((p) => p.createStartWall)))} / ${ms(median(burstPhases.map((p) => p.health ?? 0)))} / ${ms(median(burstPhases.map((p) => p.switch ?? 0)))}`,
      '–',
      'created and started in parallel',
    ],
    ['job end → final message visible (Slack)', ms(median(finals)), '–', `target ≤ 500 ms; rounds ${finals.map(ms).join(', ')}`],
    ['  a ~0.3 s job: started → outcome shown', ms(median(shortJobs)), '–', `rounds ${shortJobs.map(ms).join(', ')}`],
  ];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  for (const [i, r] of rows.entries()) {
    console.log(r.map((cell, c) => cell.padEnd(widths[c]!)).join(' | '));
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  }
  if (sim.breaches() > 0) process.exitCode = 1;
} finally {
  for (const stop of stops.reverse()) await stop().catch((err: unknown) => console.error('cleanup:', err));
  rmSync(dir, { recursive: true, force: true });
}
