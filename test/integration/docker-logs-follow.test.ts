import { afterAll, describe, expect, it } from 'vitest';
import { STARTED_SINCE } from '../../src/drivers/follow-lines.ts';
import type { LogLine } from '../../src/drivers/driver.ts';
import { waitUntil } from '../../src/services/wait-until.ts';
import { dockerTestbed, ioFor, page } from '../support/docker-apps.ts';
import { httpOnce } from '../support/http-once.ts';

// logs --follow on the real engine: the replicas' log streams, followed as they are written.
const bed = dockerTestbed();
const { driver } = bed;
afterAll(() => bed.cleanup());

/** Follows in the background; `lines` fills as they come, `done` resolves when the follow ends. */
function follow(app: Parameters<NonNullable<typeof driver.logs>>[0], seconds: number, cancel = new AbortController()) {
  const lines: LogLine[] = [];
  const began = Date.now();
  const done = (async () => {
    for await (const l of driver.logs!(app, 'production', { tail: 50, followSeconds: seconds }, ioFor([], cancel))) lines.push(l);
    return Date.now() - began;
  })();
  return { lines, done, cancel };
}

describe('logs --follow on the engine', () => {
  it('shows the last lines, then each request as the replicas write it; a replica that stops ends its part, and all stopped ends the follow', async () => {
    const hello = await bed.freshApp({ replicas: 2 });
    await hello.deploy(1);
    const f = follow(hello.spec(), 60);
    await waitUntil(
      'the backlog of both replicas',
      async () => f.lines.filter((l) => l.text.includes('listening')).length === 2,
      10_000,
      50,
    );
    expect([...new Set(f.lines.map((l) => l.replica))].sort()).toEqual([0, 1]);
    // New lines, written after the follow began: busybox httpd -v says each request on stderr (404s: only these).
    const path = `/followed-${Date.now()}`;
    for (let i = 0; i < 4; i++) expect(await httpOnce(`127.0.0.1:${hello.port}`, 5000, path)).toMatch(/^404 /);
    await waitUntil(
      `the requests to come through: ${JSON.stringify(f.lines.slice(-8))}`,
      async () => f.lines.filter((l) => l.stream === 'stderr' && l.text.endsWith('response:404')).length === 4,
      10_000,
      50,
    );
    // Both replicas stopped: each stream ends by itself and says why, and the follow ends long before its minute.
    const ours = await bed.docker.listContainers({ filters: { label: [`voxoz.instance=${bed.instance}`, `voxoz.app=${hello.name}`] } });
    expect(ours).toHaveLength(2);
    await Promise.all(ours.map((c) => bed.docker.getContainer(c.Id).stop({ t: 1 })));
    const took = await f.done;
    expect(took).toBeLessThan(30_000);
    const ended = f.lines.filter((l) => l.stream === 'ended');
    expect(ended.map((l) => l.replica).sort()).toEqual([0, 1]);
    expect(ended[0]!.text).toBe('the replica stopped (a deploy, scale, rollback or restart replaced it?)');
  }, 120_000);

  it('picks up the replicas a deploy starts while it follows: a started line, then all they write; it ends when they stop too', async () => {
    const hello = await bed.freshApp();
    await hello.deploy(1);
    const f = follow(hello.spec(), 90);
    await waitUntil('the backlog of v1', async () => f.lines.some((l) => l.release === 1 && l.text.includes('listening')), 10_000, 50);
    await hello.deploy(2);
    await waitUntil(
      `v2's first lines and v1's end: ${JSON.stringify(f.lines.slice(-6))}`,
      async () => f.lines.some((l) => l.release === 2 && l.text.includes('listening')) && f.lines.some((l) => l.stream === 'ended'),
      20_000,
      50,
    );
    const v2 = f.lines.filter((l) => l.release === 2);
    expect(v2[0]).toMatchObject({ stream: 'started', replica: 0, text: STARTED_SINCE });
    expect(v2[0]!.instance).toMatch(new RegExp(`${hello.name}-production-v2-0$`));
    expect(f.lines.filter((l) => l.stream === 'ended').map((l) => l.release)).toEqual([1]);
    // A request now reaches v2 only, and its line comes through (busybox httpd -v: a 404 on stderr).
    const v2Errors = () => f.lines.filter((l) => l.release === 2 && l.stream === 'stderr' && l.text.endsWith('response:404')).length;
    expect(v2Errors()).toBe(0);
    expect(await httpOnce(`127.0.0.1:${hello.port}`, 5000, `/after-${Date.now()}`)).toMatch(/^404 /);
    await waitUntil('the request in v2', async () => v2Errors() === 1, 10_000, 50);
    // Once v2 stops too, and no other replica runs, the follow ends.
    const ours = await bed.docker.listContainers({ filters: { label: [`voxoz.instance=${bed.instance}`, `voxoz.app=${hello.name}`] } });
    await Promise.all(ours.map((c) => bed.docker.getContainer(c.Id).stop({ t: 1 })));
    expect(await f.done).toBeLessThan(60_000);
    expect(f.lines.filter((l) => l.stream === 'ended').map((l) => l.release)).toEqual([1, 2]);
    expect(f.lines.filter((l) => l.stream === 'started')).toHaveLength(1);
  }, 120_000);

  it("follows a crash-looping replica across the engine's restarts of it, each line once; logs shows one between two runs", async () => {
    const app = await bed.freshApp();
    // A replica as the driver makes them (labels, name, unless-stopped) whose first three runs crash after a second.
    const crashy = (script: string, release: number) =>
      bed.docker.createContainer({
        name: `${bed.instance}-${app.name}-production-v${release}-0`,
        Image: 'busybox:latest',
        Cmd: ['sh', '-c', `n=$(cat /tmp/n 2>/dev/null || echo 0); n=$((n+1)); echo $n > /tmp/n; echo "run $n"; ${script}`],
        Labels: { 'voxoz.instance': bed.instance, 'voxoz.app': app.name, 'voxoz.env': 'production', 'voxoz.release': String(release) },
        HostConfig: { NetworkMode: 'host', RestartPolicy: { Name: 'unless-stopped' } },
      });
    const settles = await crashy('if [ $n -le 3 ]; then sleep 1; echo "crash $n" >&2; exit 3; fi; exec sleep 600', 1);
    await settles.start();
    const f = follow(app.spec(), 60);
    await waitUntil(`run 4: ${JSON.stringify(f.lines.slice(-6))}`, async () => f.lines.some((l) => l.text === 'run 4'), 30_000, 50);
    const texts = f.lines.map((l) => `${l.stream} ${l.text}`);
    for (const n of [1, 2, 3, 4]) expect(texts.filter((t) => t === `stdout run ${n}`)).toHaveLength(1);
    for (const n of [1, 2, 3]) expect(texts.filter((t) => t === `stderr crash ${n}`)).toHaveLength(1);
    // A restarted line before the next run's lines; it names the restart it saw (looks 250 ms apart
    // may see two runs at once: their lines still come, each once, in order).
    const restarted = f.lines.filter((l) => l.stream === 'restarted').map((l) => l.text);
    expect(restarted.length).toBeGreaterThanOrEqual(1);
    for (const text of restarted)
      expect(text).toMatch(/^the engine restarted it after it exited( with code 3)? \(restart [123] of this replica\); its lines follow$/);
    expect(restarted.at(-1)).toMatch(/\(restart 3 of this replica\)/);
    const order = texts.filter((t) => /^(stdout run|stderr crash|restarted)/.test(t)).map((t) => t.replace(/^restarted .*/, 'restarted'));
    expect(order.filter((t) => t !== 'restarted')).toEqual([
      'stdout run 1',
      'stderr crash 1',
      'stdout run 2',
      'stderr crash 2',
      'stdout run 3',
      'stderr crash 3',
      'stdout run 4',
    ]);
    expect(order.slice(0, 3)).toEqual(['stdout run 1', 'stderr crash 1', 'restarted']);
    expect(order.at(-2)).toBe('restarted');
    // Stopped by hand, it is not restarted: its part ends, and so does the follow.
    await settles.stop({ t: 1 });
    expect(await f.done).toBeLessThan(60_000);
    expect(f.lines.filter((l) => l.stream === 'ended').map((l) => l.text)).toEqual([
      'the replica stopped (a deploy, scale, rollback or restart replaced it?)',
    ]);
    await settles.remove({ force: true });

    // A replica that crashes at once, again and again: the engine waits longer each time, and in
    // between it is "restarting". logs still shows what its runs wrote (why it crashes).
    const loops = await crashy('echo "boom $n" >&2; exit 4', 2);
    await loops.start();
    await waitUntil(
      'a crash loop between two runs',
      async () => {
        const state = (await loops.inspect()).State;
        return state.Restarting && (await loops.inspect()).RestartCount >= 4;
      },
      30_000,
      50,
    );
    const shown: LogLine[] = [];
    for await (const l of driver.logs!(app.spec(), 'production', { tail: 50 }, ioFor([]))) shown.push(l);
    expect(shown.filter((l) => l.stream === 'stderr' && /^boom \d+$/.test(l.text)).length).toBeGreaterThanOrEqual(4);
    await loops.remove({ force: true });
  }, 120_000);

  it('ends at once on a cancel, and when its time is up, with no line after', async () => {
    const hello = await bed.freshApp();
    await hello.deploy(1);
    const cancelled = follow(hello.spec(), 60);
    await waitUntil('the backlog', async () => cancelled.lines.length > 0, 10_000, 50);
    cancelled.cancel.abort('carol');
    expect(await cancelled.done).toBeLessThan(5000);
    expect(cancelled.lines.some((l) => l.stream === 'ended')).toBe(false);

    const timed = follow(hello.spec(), 2);
    const took = await timed.done;
    expect(took).toBeGreaterThanOrEqual(1900);
    expect(took).toBeLessThan(10_000);
    expect(timed.lines.some((l) => l.text.includes('listening'))).toBe(true);
    expect(timed.lines.some((l) => l.stream === 'ended')).toBe(false);
    // The engine holds no log stream of ours any more: a request now reaches no follower (nothing to assert on but no hang).
    expect(await page(hello.port)).toContain('v1');
  }, 120_000);
});
