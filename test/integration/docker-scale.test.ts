import { afterAll, describe, expect, it } from 'vitest';
import { dockerTestbed, ioFor, page } from '../support/docker-apps.ts';
import { releaseIn, startProbe } from '../support/probe.ts';

// scale through the real front door (caddy) on the real engine, watched by a client that sends
// 50 requests a second through the app's stable address.
const bed = dockerTestbed();
const { docker, instance, driver } = bed;
afterAll(() => bed.cleanup());

const running = async (app: string) =>
  (await docker.listContainers({ filters: { label: [`voxoz.instance=${instance}`, `voxoz.app=${app}`] } }))
    .map((c) => c.Names[0]!.replace(/^\/.*-(v\d+-\d+)$/, '$1'))
    .sort();

describe('scale behind the front door', () => {
  it('1 → 3 → 1 replicas of the live release with no failed request; 0 stops serving, and back to 2 serves again', async () => {
    const hello = await bed.freshApp();
    const target = hello.target(1);
    const artifact = await driver.build(target, undefined, ioFor([]));
    await driver.deploy(target, artifact, ioFor([]));
    expect(await running(hello.name)).toEqual(['v1-0']);
    const probe = startProbe(`127.0.0.1:${hello.port}`, { perSecond: 50, maxMs: 40_000 });
    // Each step runs while the probe is answered: wait for `more` answers beyond those so far (bounded).
    const answered = async (more: number) => {
      const want = probe.answers.length + more;
      for (let i = 0; i < 400 && probe.answers.length < want; i++) await new Promise((r) => setTimeout(r, 25));
    };
    await answered(25);

    const up: string[] = [];
    const three = await driver.scale!({ ...target, artifact }, 3, ioFor(up));
    expect(three.healthy).toBe(3);
    expect(three.address).toBe(`127.0.0.1:${hello.port}`);
    expect(await running(hello.name)).toEqual(['v1-0', 'v1-1', 'v1-2']);
    expect(up).toContainEqual(
      expect.stringMatching(/^switched 127\.0\.0\.1:\d+ to 3 replica\(s\) of v1 \(127\.0\.0\.1:\d+, 127\.0\.0\.1:\d+, 127\.0\.0\.1:\d+\)$/),
    );
    // The front door now spreads requests over all three (each replica names its own port in its answer).
    const route = await bed.frontDoor.route({ instance, app: hello.name, env: 'production', listen: `127.0.0.1:${hello.port}` });
    expect(route?.upstreams).toHaveLength(3);

    await answered(25);
    const down: string[] = [];
    const one = await driver.scale!({ ...target, artifact }, 1, ioFor(down));
    expect(one.instances.map((i) => i.name)).toEqual([`${instance}-${hello.name}-production-v1-0`]);
    expect(await running(hello.name)).toEqual(['v1-0']);
    // Down = switch first, then drain, then retire.
    const at = (re: RegExp) => down.findIndex((l) => re.test(l));
    expect(at(/^switched .* to 1 replica\(s\) of v1/)).toBeGreaterThanOrEqual(0);
    expect(at(/^draining 2 replica\(s\) for 1s$/)).toBeGreaterThan(at(/^switched/));
    expect(at(/^retired 2 replica\(s\)$/)).toBeGreaterThan(at(/^draining/));
    await answered(25);
    const answers = await probe.stop();
    expect(answers.length).toBeGreaterThan(100);
    expect(answers.filter((a) => !a.ok)).toEqual([]);
    expect(new Set(answers.map(releaseIn))).toEqual(new Set(['1']));

    const zero: string[] = [];
    const none = await driver.scale!({ ...target, artifact }, 0, ioFor(zero));
    expect(none.instances).toEqual([]);
    expect(await running(hello.name)).toEqual([]);
    expect(zero).toContainEqual(`switched 127.0.0.1:${hello.port} to no replicas: ${hello.name} (production) no longer serves`);
    expect(await page(hello.port)).toMatch(/^503 /);

    const back = await driver.scale!({ ...target, artifact }, 2, ioFor([]));
    expect(back.healthy).toBe(2);
    expect(await page(hello.port)).toMatch(/^200 /);
  });

  it('a scale-up whose new replicas fail their health check switches nothing and removes them', async () => {
    const hello = await bed.freshApp();
    const target = hello.target(1);
    const artifact = await driver.build(target, undefined, ioFor([]));
    await driver.deploy(target, artifact, ioFor([]));
    const broken = { ...hello.target(1, { health: { path: '/missing', timeoutSeconds: 10, graceSeconds: 0, retries: 2 } }), artifact };
    const lines: string[] = [];
    await expect(driver.scale!(broken, 3, ioFor(lines))).rejects.toMatchObject({ code: 'health_check_failed' });
    expect(lines).toContain('scale failed: removing the 2 new replica(s); the 1 serving keep serving');
    expect(await running(hello.name)).toEqual(['v1-0']);
    const route = await bed.frontDoor.route({ instance, app: hello.name, env: 'production', listen: `127.0.0.1:${hello.port}` });
    expect(route?.upstreams).toHaveLength(1);
    expect(await page(hello.port)).toMatch(/^200 /);
  });
});
