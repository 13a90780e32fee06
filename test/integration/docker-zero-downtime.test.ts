import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dockerTestbed, failure, ioFor, page } from '../support/docker-apps.ts';
import { httpOnce } from '../support/http-once.ts';
import { releaseIn, startProbe } from '../support/probe.ts';

// Copy-update-switch through the real front door (caddy) on the real engine, watched by a
// client that sends 50 requests a second through the app's stable address.
const bed = dockerTestbed();
const { docker, instance, scratch, driver } = bed;
afterAll(() => bed.cleanup());

const running = async (app: string) =>
  (await docker.listContainers({ filters: { label: [`voxoz.instance=${instance}`, `voxoz.app=${app}`] } }))
    .map((c) => `v${c.Labels['voxoz.release']}`)
    .sort();

describe('zero downtime behind the front door', () => {
  it('50 requests/s see v1 then v2, never a failure, through a deploy, a failed deploy and a cancelled one', async () => {
    const hello = await bed.freshApp();
    await hello.deploy(1);
    const probe = startProbe(`127.0.0.1:${hello.port}`, { perSecond: 50, maxMs: 30_000 });
    // A successful deploy: v2 starts beside v1, passes, takes the traffic; v1 drains and goes.
    const lines: string[] = [];
    await hello.deploy(2, {}, ioFor(lines));
    expect(lines).toContainEqual(expect.stringMatching(/^switched 127\.0\.0\.1:\d+ to v2 \(127\.0\.0\.1:\d+\)$/));
    expect(await running(hello.name)).toEqual(['v2']);
    // A failed deploy: v3 answers 404 on its health path; nothing is switched, v3 is removed.
    const failed: string[] = [];
    const broken = { health: { path: '/missing', timeoutSeconds: 10, graceSeconds: 0, retries: 3 } };
    const err = await failure(hello.deploy(3, broken, ioFor(failed)));
    expect(err.code).toBe('health_check_failed');
    expect(err.message).toMatch(/^v3 answered 404 on 127\.0\.0\.1:\d+\/missing \(expected 2xx\), 3 time\(s\) in a row after its 0s grace$/);
    // The thread shows the failing replica's last log lines.
    expect(failed).toContainEqual(expect.stringMatching(/^ {2}\| hello v3 listening on 127\.0\.0\.1:\d+$/));
    expect(await running(hello.name)).toEqual(['v2']);
    // A cancelled deploy: v4 never answers; the cancel comes during its health wait.
    const silent = join(scratch, 'silent');
    mkdirSync(silent, { recursive: true });
    writeFileSync(join(silent, 'Dockerfile'), 'FROM busybox\nCMD ["sleep", "300"]\n');
    const controller = new AbortController();
    const cancelled: string[] = [];
    const deploying = hello.deploy(4, { source: { path: silent } }, ioFor(cancelled, controller));
    deploying.catch(() => undefined);
    const waiting = () => cancelled.some((l) => l.startsWith('waiting up to'));
    for (let i = 0; i < 600 && !waiting(); i++) await new Promise((r) => setTimeout(r, 50));
    controller.abort('alice');
    await expect(deploying).rejects.toBe('alice');
    expect(await running(hello.name)).toEqual(['v2']);
    const answers = await probe.stop();

    expect(answers.length).toBeGreaterThan(100);
    expect(answers.filter((a) => !a.ok)).toEqual([]);
    const releases = answers.map(releaseIn);
    expect(new Set(releases)).toEqual(new Set(['1', '2']));
    expect(releases[0]).toBe('1');
    expect(releases.at(-1)).toBe('2');
    // One switch: every v1 answer was asked for before (or, racing the switch, within a moment of) the first v2 one.
    const firstV2 = answers.find((a) => releaseIn(a) === '2')!.at;
    const lastV1 = Math.max(...answers.filter((a) => releaseIn(a) === '1').map((a) => a.at));
    expect(lastV1 - firstV2).toBeLessThan(250);
    expect(await page(hello.port)).toContain('hello from release v2');
  });

  it('a request in flight at the switch finishes on the release it started on (drain)', async () => {
    const hello = await bed.freshApp({ drainSeconds: 6 });
    await hello.deploy(1);
    const lines: string[] = [];
    const stamp = (l: string) => lines.push(`${Date.now()} ${l}`);
    const io = { ...ioFor([]), log: stamp };
    const artifact = await driver.build(hello.target(2), undefined, io);
    // Asked for before the deploy starts; it answers after 4 s, well after the switch.
    const inFlight = httpOnce(`127.0.0.1:${hello.port}`, 15_000, '/cgi-bin/slow?4').then((text) => ({ text, at: Date.now() }));
    const deployed = driver.deploy(hello.target(2), artifact, io);
    const answer = await inFlight;
    await deployed;
    const switchedAt = Number(lines.find((l) => / switched /.test(l))?.split(' ')[0]);
    expect(answer.text).toBe('200 slow answer from release v1\n');
    // It was still in flight when the front door switched to v2.
    expect(switchedAt).toBeLessThan(answer.at);
    expect(lines.some((l) => l.endsWith('draining the earlier replicas for 6s'))).toBe(true);
    expect(await page(hello.port)).toContain('hello from release v2');
    expect(await running(hello.name)).toEqual(['v2']);
  });
});
