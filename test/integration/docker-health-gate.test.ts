import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dockerTestbed, failure, ioFor, page } from '../support/docker-apps.ts';

// The health gate's settings on the real engine: what "healthy" means (status), and how long a
// replica may answer wrongly while it warms up (graceSeconds) before `retries` wrong answers fail it.
const bed = dockerTestbed();
afterAll(() => bed.cleanup());

/** An app that answers 404 on / for its first `warmSeconds`, then 200 ("warm"). */
function warmingApp(warmSeconds: number): string {
  const dir = join(bed.scratch, `warming-${warmSeconds}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'Dockerfile'),
    `FROM busybox\nCMD ["/bin/sh", "-c", "mkdir -p /www; (sleep ${warmSeconds}; echo warm > /www/index.html) & exec httpd -f -p 127.0.0.1:$PORT -h /www"]\n`,
  );
  return dir;
}

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
