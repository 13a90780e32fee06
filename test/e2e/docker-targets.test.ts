import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { findFreePort } from '../../src/services/free-port.ts';
import { waitUntil } from '../../src/services/wait-until.ts';
import { type NetnsEngine, startNetnsEngine } from '../support/netns-engine.ts';
import { sayTo } from '../support/spawn-voxoz.ts';
import { HELLO_APP_DIR, startTestVoxoz, type TestVoxoz } from '../support/start-voxoz.ts';

/**
 * An environment on a target of its own: `web`'s production runs on a second engine (a private
 * dockerd in a network namespace, standing in for another machine), `hello` on the engine at
 * DOCKER_HOST. The same voxoz reaches both; each job goes to the target's queue and driver.
 */
let engine: NetnsEngine;
let voxoz: TestVoxoz;
let webPort = 0;

beforeAll(async () => {
  engine = await startNetnsEngine();
  webPort = await findFreePort();
  voxoz = await startTestVoxoz({
    yaml: `targets:
  - { name: edge, kind: engine, host: "${engine.host}", location: remote }
  - { name: gone, kind: engine, host: "unix:///nonexistent/docker.sock" }
apps:
  - name: hello
    source: { path: ${HELLO_APP_DIR} }
    port: APP_PORT
  - name: web
    source: { path: ${HELLO_APP_DIR} }
    port: ${webPort}
    environments:
      production: { target: edge }
      staging: { target: gone, port: ${webPort + 1} }
  - name: api
    source: { path: ${HELLO_APP_DIR} }
    port: ${webPort + 2}
    environments:
      production: { target: edge }
`,
  });
}, 120_000);
afterAll(async () => {
  await voxoz?.close();
  await engine?.stop();
}, 90_000);

const say = (user: string, ...words: string[]) => sayTo(voxoz.port!, join(voxoz.dir, 'data'), user, words);

describe('Docker targets: an environment deploys where its target says', () => {
  it('deploys web to the edge engine and hello to the local one; a target no worker reaches is refused by name', async () => {
    const web = await say('alice', 'deploy', 'web');
    expect(web.code, web.out).toBe(0);
    expect(web.out).toContain('web v1 live (1/1 healthy)');
    // On the edge engine, answering inside its namespace; nothing of web's on the local engine.
    const onEdge = await engine.docker.listContainers({ filters: { label: [`voxoz.instance=${voxoz.queueName}`] } });
    expect(onEdge.map((c) => c.Labels['voxoz.app'])).toContain('web');
    expect(await engine.fetchInside(webPort)).toContain('hello from release v1');

    const hello = await say('alice', 'deploy', 'hello');
    expect(hello.code, hello.out).toBe(0);
    expect(
      (await engine.docker.listContainers({ filters: { label: [`voxoz.instance=${voxoz.queueName}`] } })).map((c) => c.Labels['voxoz.app']),
    ).not.toContain('hello');

    const staging = await say('alice', 'deploy', 'web', '--env', 'staging');
    expect(staging.code).not.toBe(0);
    expect(staging.out).toContain('no worker reaches the target gone; start `voxoz worker` on a machine that does');

    const workers = await say('bob', 'workers');
    expect(workers.out).toContain('target edge');
    expect(workers.out).not.toContain('target gone');
  });

  it("a front door removed by hand on the edge engine: the next deploy there makes it again, and web's site behind it is pointed again at once", async () => {
    const api = await say('alice', 'deploy', 'api');
    expect(api.code, api.out).toBe(0);
    expect(await engine.fetchInside(webPort + 2)).toContain('hello from release v1');
    await engine.docker.getContainer(`${voxoz.queueName}-frontdoor`).remove({ force: true });
    expect(await engine.fetchInside(webPort)).toBeUndefined();
    const again = await say('alice', 'deploy', 'api');
    expect(again.code, again.out).toBe(0);
    expect(await engine.fetchInside(webPort + 2)).toContain('hello from release v2');
    // The new door had api's site only; the worker pool heard it was made and pointed web again (not at its next round, a minute away).
    await waitUntil(
      "web's site on the new door",
      async () => (await engine.fetchInside(webPort))?.includes('hello from release v1') === true,
      10_000,
      200,
    );
  });

  it('/readyz asks each target this process reaches (edge), not one it does not (gone)', async () => {
    const res = await fetch(`${voxoz.url}/readyz`);
    const body = (await res.json()) as { ready: boolean; checks: Record<string, { ok: boolean }> };
    expect(res.status).toBe(200);
    expect(body.checks['target:edge']).toMatchObject({ ok: true });
    expect(body.checks.docker).toMatchObject({ ok: true });
    expect(body.checks['target:gone']).toBeUndefined();
  });
});
