import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFreePort } from '../../src/services/free-port.ts';
import { sayTo } from '../support/spawn-voxoz.ts';
import { HELLO_APP_DIR, startTestVoxoz, type TestVoxoz } from '../support/start-voxoz.ts';
import { type SwarmLab, startSwarmLab } from '../support/swarm-lab.ts';

/**
 * An environment on a Docker Swarm target, driven from chat: `web`'s production runs on the
 * two-node lab (test/support/swarm-lab.ts: each node a dockerd in a namespace of its own, zones
 * a and b), its replicas spread by zone; `hello` stays on the engine at DOCKER_HOST. The verbs
 * are the ones of a single engine: deploy, status, scale, logs, releases, rollback, restart.
 */
let lab: SwarmLab;
let voxoz: TestVoxoz;
let webPort = 0;

beforeAll(async () => {
  lab = await startSwarmLab();
  webPort = await findFreePort();
  const [a, b] = lab.nodes;
  voxoz = await startTestVoxoz({
    yaml: `targets:
  - name: lab
    kind: swarm
    host: "${a.engine.host}"
    nodes: ["${a.engine.host}", "${b.engine.host}"]
    placement: { spread: zone }
apps:
  - name: hello
    source: { path: ${HELLO_APP_DIR} }
    port: APP_PORT
  - name: web
    source: { path: ${HELLO_APP_DIR} }
    port: ${webPort}
    replicas: 2
    drainSeconds: 1
    health: { path: /, timeoutSeconds: 60 }
    environments:
      production: { target: lab }
`,
  });
}, 180_000);

afterAll(async () => {
  await voxoz?.close();
  await lab?.stop();
}, 120_000);

const say = (user: string, ...words: string[]) => sayTo(voxoz.port!, join(voxoz.dir, 'data'), user, words);
/** The page each node's front door serves (inside its namespace). */
const pages = () => Promise.all(lab.nodes.map((n) => n.engine.fetchInside(webPort)));

describe('a Swarm target, from chat', () => {
  it('deploy spreads the replicas over both zones, each node serving through its front door; status names each task’s node', async () => {
    const deployed = await say('alice', 'deploy', 'web');
    expect(deployed.code, deployed.out).toBe(0);
    expect(deployed.out).toContain('web v1 live (2/2 healthy)');
    for (const page of await pages()) expect(page).toContain('hello from release v1');

    const status = await say('bob', 'status', 'web');
    expect(status.code, status.out).toBe(0);
    // One task per zone: each line names its node (hostname and spread label).
    for (const n of lab.nodes) expect(status.out).toMatch(new RegExp(`web-production-v1\\.\\d +v1 +running +healthy .*zone=${n.zone}`));
    const workers = await say('bob', 'workers');
    expect(workers.out).toContain('target lab');
  });

  it('deploy v2 switches both nodes; scale 4 then 2 keeps the spread; logs and releases read the swarm', async () => {
    const v2 = await say('alice', 'deploy', 'web');
    expect(v2.code, v2.out).toBe(0);
    expect(v2.out).toContain('web v2 live (2/2 healthy)');
    for (const page of await pages()) expect(page).toContain('hello from release v2');

    const up = await say('alice', 'scale', 'web', '4');
    expect(up.code, up.out).toBe(0);
    const tasks = async () =>
      (await lab.nodes[0].engine.docker.listTasks({ filters: JSON.stringify({ 'desired-state': ['running'] }) })) as Array<{
        NodeID: string;
        Spec?: { ContainerSpec?: { Labels?: Record<string, string> } };
      }>;
    const perNode = (list: Awaited<ReturnType<typeof tasks>>) =>
      lab.nodes.map((n) => list.filter((t) => t.NodeID === n.id && t.Spec?.ContainerSpec?.Labels?.['voxoz.app'] === 'web').length);
    expect(perNode(await tasks())).toEqual([2, 2]);
    const down = await say('alice', 'scale', 'web', '2');
    expect(down.code, down.out).toBe(0);
    // Swarm stops the tasks above 2 itself: wait for it.
    for (let i = 0; i < 60 && perNode(await tasks()).reduce((x, y) => x + y) > 2; i++) await new Promise((r) => setTimeout(r, 500));
    expect(perNode(await tasks())).toEqual([1, 1]);
    for (const page of await pages()) expect(page).toContain('hello from release v2');

    const logs = await say('bob', 'logs', 'web', '--tail', '5');
    expect(logs.code, logs.out).toBe(0);
    expect(logs.out).toMatch(/v2-\d+ (out|err) \|/);

    const releases = await say('bob', 'releases', 'web');
    expect(releases.code, releases.out).toBe(0);
    expect(releases.out).toMatch(/\bv2\b[^\n]*live/);
    expect(releases.out).toMatch(/\bv1\b/);
  });

  it('rollback to v1 redeploys its image on the swarm as v3, both nodes switched', async () => {
    const back = await say('alice', 'rollback', 'web', 'v1');
    expect(back.code, back.out).toBe(0);
    expect(back.out).toContain('rollback of v1');
    for (const page of await pages()) expect(page).toContain('hello from release v3');
  });

  it("restart starts v3's image afresh on the swarm as v4: new tasks on both nodes, v3's service gone; a follow goes on with them", async () => {
    // A follow that began before the restart goes on with the new tasks.
    const following = say('bob', 'logs', 'web', '--tail', '1', '--follow', '2m');
    let job: string | undefined;
    for (let i = 0; i < 60 && !job; i++) {
      job = /(\S+) +running +logs web\b/.exec((await say('bob', 'jobs', 'web')).out)?.[1];
      if (!job) await new Promise((r) => setTimeout(r, 250));
    }
    expect(job, 'the follow to run').toBeDefined();
    const restarted = await say('alice', 'restart', 'web');
    expect(restarted.code, restarted.out).toBe(0);
    expect(restarted.out).toContain('web v4 live: restart of v3 (2/2 healthy)');
    for (const page of await pages()) expect(page).toContain('hello from release v4');
    // Swarm removes the retired service's tasks itself: wait for it.
    let status = await say('bob', 'status', 'web');
    for (let i = 0; i < 60 && /web-production-v3\./.test(status.out); i++) {
      await new Promise((r) => setTimeout(r, 500));
      status = await say('bob', 'status', 'web');
    }
    expect(status.out).not.toMatch(/web-production-v3\./);
    for (const n of lab.nodes) expect(status.out).toMatch(new RegExp(`web-production-v4\\.\\d +v4 +running +healthy .*zone=${n.zone}`));
    expect((await say('bob', 'cancel', job!)).code).toBe(0);
    const followed = await following;
    expect(followed.out.match(/v4-\d started \| a new replica/g), followed.out).toHaveLength(2);
    expect(followed.out.match(/v3-\d ended \|/g), followed.out).toHaveLength(2);
  });
});
