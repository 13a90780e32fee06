import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '../../src/services/wait-until.ts';
import { redisConnector } from '../../src/store/redis-connector.ts';
import { createReplicaWait } from '../../src/store/wait-replica.ts';
import { type SentinelLab, startSentinelLab } from '../support/sentinel-lab.ts';

let lab: SentinelLab | undefined;
const clients: Redis[] = [];
const direct = (port: number) => {
  const c = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1 });
  clients.push(c);
  return c;
};
beforeAll(async () => {
  lab = await startSentinelLab({ downAfterMs: 1000, failoverTimeoutMs: 5000 });
}, 30_000);
afterAll(async () => {
  for (const c of clients) c.disconnect();
  await lab?.stop();
});

describe('whether a client is on the master the sentinels name', () => {
  it('is true on the master, false on the replica and after the master lost its role; an answer without a replica then is stale-master', async () => {
    const check = redisConnector(lab!.url).masterCheck;
    expect(check, 'a Sentinel URL gives a connector that can ask').toBeDefined();
    expect(redisConnector('redis://127.0.0.1:1').masterCheck).toBeUndefined();

    const master = direct(lab!.ports.master);
    const replica = direct(lab!.ports.replica);
    await master.ping();
    await replica.ping();
    expect(await check!(master)).toBe(true);
    expect(await check!(replica)).toBe(false);

    // The master is frozen until the sentinels promote its replica, then thawed: until it is
    // demoted it still says it is master; the sentinels know better.
    lab!.kill(lab!.ports.master, 'SIGSTOP');
    await waitUntil('the sentinels to promote the replica', async () => (await lab!.masterPort()) === lab!.ports.replica, 20_000, 50);
    lab!.kill(lab!.ports.master, 'SIGCONT');
    expect(await check!(replica)).toBe(true);
    await waitUntil('the old master to be demoted', async () => (await lab!.role(lab!.ports.master)) === 'slave', 20_000, 100);
    expect(await check!(master)).toBe(false);
    // A server with no replica that the sentinels do not name: a write there is not acknowledged.
    const wait = createReplicaWait({ masterCheck: check! });
    expect(await wait(master, 'a write on the old master')).toBe('stale-master');
    // The new master has a replica (the old one, once in sync): a write there is.
    await waitUntil(
      'the demoted master to be in sync',
      async () => /master_link_status:up/.test(await master.info('replication')),
      20_000,
      100,
    );
    await replica.set('sentinel-master:k', 'v');
    // Given the time a loaded machine may take to copy it (the default waits 500 ms): what is asked here is only whether a replica has it.
    expect(await createReplicaWait({ masterCheck: check!, timeoutMs: 10_000 })(replica, 'a write on the new master', 10_000)).toBe(
      'replicated',
    );
    // A sentinel group none of whose sentinels answers cannot vouch for anyone.
    const nobody = redisConnector('redis+sentinel://127.0.0.1:1/voxoz').masterCheck!;
    expect(await nobody(replica)).toBe(false);
  }, 60_000);
});
