import { Redis, type RedisOptions } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createLogger } from '../../src/observability/logger.ts';
import { createReplicaWait } from '../../src/store/wait-replica.ts';
import { type SentinelLab, startSentinelLab } from '../support/sentinel-lab.ts';

let lab: SentinelLab | undefined;
const clients: Redis[] = [];
const client = (opts: string | RedisOptions) => {
  const c = typeof opts === 'string' ? new Redis(opts) : new Redis(opts);
  clients.push(c);
  return c;
};
beforeAll(async () => {
  lab = await startSentinelLab({ noSentinels: true });
}, 30_000);
afterAll(async () => {
  for (const c of clients) c.disconnect();
  await lab?.stop();
});

/** A logger that keeps what it was told. */
function recordingLog() {
  const lines: Array<Record<string, unknown>> = [];
  return { lines, log: createLogger('debug', {}, (line) => lines.push(JSON.parse(line))) };
}

describe('an acknowledgement waits for a replica when there is one', () => {
  it('answers at once on a lone server, without WAIT', async () => {
    const redis = client(inject('redisUrl'));
    await redis.set('wait-replica:lone', '1');
    const wait = createReplicaWait();
    expect(await wait(redis, 'lone')).toBe('no-replica');
  });

  it('waits until the replica has the write, and says when it did not come in time (the write stands)', async () => {
    const master = client({ host: '127.0.0.1', port: lab!.ports.master });
    const replica = client({ host: '127.0.0.1', port: lab!.ports.replica });
    const { lines, log } = recordingLog();
    const wait = createReplicaWait({ timeoutMs: 300, log });
    // Where the replica is expected to have the write: a budget a replica starved of CPU by the
    // rest of the suite still meets (300 ms did not, once, in a full run; voxoz waits 500 ms).
    const waitLong = createReplicaWait({ timeoutMs: 10_000, log });

    await master.set('wait-replica:k', 'v1');
    expect(await waitLong(master, 'write v1')).toBe('replicated');
    // What WAIT promised: the replica answers with the write, right away.
    expect(await replica.get('wait-replica:k')).toBe('v1');

    // A replica that stops answering (SIGSTOP) is still counted as connected: WAIT times out.
    lab!.kill(lab!.ports.replica, 'SIGSTOP');
    try {
      await master.set('wait-replica:k', 'v2');
      const t = Date.now();
      expect(await wait(master, 'write v2')).toBe('not-replicated');
      expect(Date.now() - t).toBeGreaterThanOrEqual(290);
      expect(Date.now() - t).toBeLessThan(1500);
      // A shorter budget is kept too (the user's answer must not be late).
      const t2 = Date.now();
      expect(await wait(master, 'write v2 again', 50)).toBe('not-replicated');
      expect(Date.now() - t2).toBeLessThan(250);
    } finally {
      lab!.kill(lab!.ports.replica, 'SIGCONT');
    }
    expect(await master.get('wait-replica:k')).toBe('v2');
    expect(lines.find((l) => l.what === 'write v2')).toMatchObject({
      level: 'warn',
      msg: 'no replica confirmed a write in time; it stands on the master alone and a failover now could lose it',
    });
    expect(await waitLong(master, 'after resume')).toBe('replicated');
  });

  it('says it could not tell when the connection fails, and never throws', async () => {
    const gone = client({ host: '127.0.0.1', port: 1, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    gone.on('error', () => undefined);
    expect(await createReplicaWait()(gone, 'nowhere')).toBe('unreachable');
  });
});
