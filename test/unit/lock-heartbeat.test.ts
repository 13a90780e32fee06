import { describe, expect, it } from 'vitest';
import { startLockHeartbeat, type LockLoss } from '../../src/jobs/lock-heartbeat.ts';
import { waitUntil } from '../../src/services/wait-until.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Drives the heartbeat with a double of its renew port. */
function run(renew: () => Promise<boolean>, ttlMs: number) {
  const losses: LockLoss[] = [];
  let renewals = 0;
  const beat = startLockHeartbeat({
    ttlMs,
    renew: () => {
      renewals += 1;
      return renew();
    },
    onLost: (why) => losses.push(why),
  });
  return { beat, losses, renewals: () => renewals };
}

// TTLs are generous against a busy machine's timer delays; positive outcomes are waited for, not slept for.
describe('lock heartbeat', () => {
  it('renews every third of the TTL and never reports a loss while renewals succeed', async () => {
    const h = run(async () => true, 900);
    await waitUntil('three renewals', async () => h.renewals() >= 3, 10_000, 20);
    h.beat.stop();
    expect(h.losses).toEqual([]);
  });

  it('reports "taken" once when a renewal finds a newer holder, and stops renewing', async () => {
    const h = run(async () => false, 300);
    await waitUntil('the loss', async () => h.losses.length > 0, 10_000, 20);
    await sleep(300);
    expect(h.losses).toEqual(['taken']);
    expect(h.renewals()).toBe(1);
  });

  it('reports "unreachable" once no renewal has succeeded for a whole TTL (Redis does not answer)', async () => {
    const started = Date.now();
    const h = run(() => new Promise<boolean>(() => undefined), 600);
    await waitUntil('the loss', async () => h.losses.length > 0, 10_000, 20);
    expect(Date.now() - started).toBeGreaterThanOrEqual(600);
    expect(h.losses).toEqual(['unreachable']);
    expect(h.renewals()).toBe(1);
  });

  it('keeps going through failed renewals shorter than the TTL', async () => {
    let calls = 0;
    const h = run(async () => {
      calls += 1;
      if (calls % 2 === 0) throw new Error('ECONNRESET');
      return true;
    }, 1500);
    await waitUntil('six renewals', async () => h.renewals() >= 6, 20_000, 20);
    h.beat.stop();
    expect(h.losses).toEqual([]);
  });

  it('says nothing after stop()', async () => {
    const h = run(async () => false, 150);
    h.beat.stop();
    await sleep(300);
    expect([h.losses, h.renewals()]).toEqual([[], 0]);
  });
});
