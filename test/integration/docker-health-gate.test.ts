import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dockerTestbed, failure, ioFor, page } from '../support/docker-apps.ts';

// The health gate's settings on the real engine: what "healthy" means (status), and how long a
// replica may answer wrongly while it warms up (graceSeconds) before `retries` wrong answers fail it.
const bed = dockerTestbed();
afterAll(() => bed.cleanup());

/** An app (a busybox image) whose command is the shell line `script`. */
function shellApp(name: string, script: string): string {
  const dir = join(bed.scratch, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'Dockerfile'), `FROM busybox\nCMD ["/bin/sh", "-c", ${JSON.stringify(script)}]\n`);
  return dir;
}

/** An app that answers 404 on / for its first `warmSeconds`, then 200 ("warm"). */
const warmingApp = (warmSeconds: number) =>
  shellApp(
    `warming-${warmSeconds}`,
    `mkdir -p /www; (sleep ${warmSeconds}; echo warm > /www/index.html) & exec httpd -f -p 127.0.0.1:$PORT -h /www`,
  );

describe('the health gate', () => {
  it('takes the status a replica must answer from health.status', async () => {
    const hello = await bed.freshApp({ health: { path: '/missing', status: 404, timeoutSeconds: 10 } });
    const lines: string[] = [];
    await hello.deploy(1, {}, ioFor(lines));
    expect(lines).toContainEqual(expect.stringMatching(/^127\.0\.0\.1:\d+\/missing is healthy \(404\)$/));
    expect(lines).toContain('waiting up to 10s for 1 replica(s) to answer GET /missing with 404');
  });

  it('a replica still wrong when the time is up: the failure says what it answered last', async () => {
    const hello = await bed.freshApp({ health: { path: '/missing', timeoutSeconds: 3, graceSeconds: 60 } });
    const err = await failure(hello.deploy(1, {}, ioFor([])));
    expect(err).toMatchObject({ code: 'health_check_failed' });
    expect(err.message).toMatch(/^v1 did not answer 2xx on 127\.0\.0\.1:\d+\/missing \(answered 404\) within 3s$/);
  });

  it('wrong answers during the grace do not count; after it, `retries` of them in a row fail the deploy', async () => {
    const source = { path: warmingApp(3) };
    const patient = await bed.freshApp({ source, health: { timeoutSeconds: 15, graceSeconds: 6, retries: 2 } });
    await patient.deploy(1);
    expect(await page(patient.port)).toBe('200 warm\n');
    const hasty = await bed.freshApp({ source, health: { timeoutSeconds: 15, graceSeconds: 0, retries: 2 } });
    const err = await failure(hasty.deploy(1, {}, ioFor([])));
    expect(err).toMatchObject({ code: 'health_check_failed' });
    expect(err.message).toMatch(/^v1 answered 404 on 127\.0\.0\.1:\d+\/ \(expected 2xx\), 2 time\(s\) in a row after its 0s grace$/);
    expect(await bed.driver.status(hasty.spec(), 'production')).toEqual([]);
  });
});

/** An app that serves "up" on / and, `afterSeconds` after it starts, runs `then` (a shell line). */
const turningApp = (name: string, afterSeconds: number, then: string) =>
  shellApp(name, `mkdir -p /www; echo up > /www/index.html; httpd -p 127.0.0.1:$PORT -h /www; sleep ${afterSeconds}; ${then}`);

describe('the watch after the health gate (health.watchSeconds)', () => {
  const containersOf = async (name: string, release: number) =>
    bed.docker.listContainers({ all: true, filters: { label: [`voxoz.app=${name}`, `voxoz.release=${release}`] } });

  it('a release that passes its check and then crashes within the watch is not switched to: what served keeps serving', async () => {
    const crashing = { path: turningApp('crash-after-3', 3, 'echo v2 is giving up; exit 3') };
    const hello = await bed.freshApp();
    await hello.deploy(1);
    const before = await page(hello.port);
    expect(before).toMatch(/^200 /);
    const lines: string[] = [];
    const err = await failure(hello.deploy(2, { source: crashing, health: { timeoutSeconds: 10, watchSeconds: 8 } }, ioFor(lines)));
    expect(err).toMatchObject({ code: 'instance_exited' });
    expect(err.message).toMatch(
      /^v2 exited(?: with code 3)?(?: \(restarted \d+ times?\))? after passing its health check, \d+\.\ds into its 8s watch \(health\.watchSeconds\), on 127\.0\.0\.1:\d+\/$/,
    );
    // It passed the gate first, and was caught about 3 s in, not at the watch's end.
    const into = Number(/, (\d+\.\d)s into/.exec(err.message)?.[1]);
    expect(into).toBeGreaterThan(1.5);
    expect(into).toBeLessThan(7.5);
    const passed = lines.findIndex((l) => /^127\.0\.0\.1:\d+\/ is healthy \(200\)$/.test(l));
    const watching = lines.indexOf('v2 passed; watching its 1 replica(s) for 8s: each must keep running and answering before the switch');
    expect(passed).toBeGreaterThanOrEqual(0);
    expect(watching).toBeGreaterThan(passed);
    // Its last words reach the job log; nothing was switched, and v2 is gone.
    expect(lines).toContain('  | v2 is giving up');
    expect(lines).toContain('deploy failed: removing v2 and restoring v1');
    expect(lines.some((l) => l.startsWith('switched '))).toBe(false);
    expect(await page(hello.port)).toBe(before);
    expect(await containersOf(hello.name, 2)).toEqual([]);
    expect((await bed.driver.status(hello.spec(), 'production')).map((i) => i.release)).toEqual([1]);
  });

  it('a release that stops answering within the watch fails after `retries` wrong answers in a row', async () => {
    const failing = { path: turningApp('404-after-3', 3, 'rm /www/index.html; sleep 600') };
    const hello = await bed.freshApp();
    await hello.deploy(1);
    const err = await failure(hello.deploy(2, { source: failing, health: { timeoutSeconds: 10, watchSeconds: 8, retries: 2 } }, ioFor([])));
    expect(err).toMatchObject({ code: 'health_check_failed' });
    expect(err.message).toMatch(
      /^v2 answered 404 \(expected 2xx\) 2 time\(s\) in a row after passing its health check, \d+\.\ds into its 8s watch \(health\.watchSeconds\), on 127\.0\.0\.1:\d+\/$/,
    );
    expect(await containersOf(hello.name, 2)).toEqual([]);
    expect((await bed.driver.status(hello.spec(), 'production')).map((i) => i.release)).toEqual([1]);
  });

  it('a cancel during the watch removes the new release at once; what served keeps serving', async () => {
    const hello = await bed.freshApp();
    await hello.deploy(1);
    const before = await page(hello.port);
    const controller = new AbortController();
    const lines: string[] = [];
    const watching = setInterval(() => {
      if (lines.some((l) => l.startsWith('v2 passed; watching'))) controller.abort(new Error('cancelled by the test'));
    }, 100);
    const started = Date.now();
    await expect(hello.deploy(2, { health: { timeoutSeconds: 10, watchSeconds: 60 } }, ioFor(lines, controller))).rejects.toThrow(
      'cancelled by the test',
    );
    clearInterval(watching);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(lines).toContain('cancelled: removing v2 and restoring v1');
    expect(await containersOf(hello.name, 2)).toEqual([]);
    expect(await page(hello.port)).toBe(before);
  });

  it('a release that keeps running through the watch is switched to after it; with no watch (the default) the crashing one would have been', async () => {
    const hello = await bed.freshApp({ health: { timeoutSeconds: 10, watchSeconds: 2 } });
    const lines: string[] = [];
    await hello.deploy(1, {}, ioFor(lines));
    const kept = lines.indexOf('v1 kept running and answering for 2s');
    expect(kept).toBeGreaterThan(
      lines.indexOf('v1 passed; watching its 1 replica(s) for 2s: each must keep running and answering before the switch'),
    );
    expect(lines.findIndex((l) => l.startsWith('switched '))).toBeGreaterThan(kept);
    const unwatched = await bed.freshApp();
    expect(unwatched.spec().health.watchSeconds).toBe(0);
    await unwatched.deploy(1, { source: { path: turningApp('crash-after-3-unwatched', 3, 'exit 3') } });
    expect((await bed.driver.status(unwatched.spec(), 'production')).map((i) => i.release)).toEqual([1]);
  });
});
