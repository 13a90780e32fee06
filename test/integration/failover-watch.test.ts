import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { waitUntil } from '../../src/services/wait-until.ts';
import { redisConnector } from '../../src/store/redis-connector.ts';
import { LAB_MASTER, type SentinelLab, startSentinelLab } from '../support/sentinel-lab.ts';

let lab: SentinelLab | undefined;
const clients: Redis[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.disconnect();
  await lab?.stop();
  lab = undefined;
}, 30_000);

/** Each client writes on the server on `port` within `ms` (a write on a frozen master never answers: each try gets a second). */
async function writesOn(made: Redis[], port: number, ms: number) {
  for (const c of made) {
    const write = () => Promise.race([c.set(`k-${c.options.connectionName}`, 'after'), new Promise((r) => setTimeout(r, 1000))]);
    await waitUntil(`${c.options.connectionName} to write on the new master`, async () => (await write()) === 'OK', ms, 100).catch(
      (err: Error) => {
        throw new Error(`${err.message} (its status: ${c.status})`);
      },
    );
    expect((c.stream as { remotePort?: number }).remotePort).toBe(port);
  }
}

/**
 * The race that ended clients for good with ioredis' own failoverDetector: the master is killed,
 * a client reconnects and waits on a sentinel that is slow to answer (here: stopped), the other
 * sentinels fail over and announce it, and the announcement dropped the connection the client
 * was still making: ioredis then gave the client up (status `end`), and a worker or the enqueue
 * on it never came back. Seen under load in the Sentinel failover test; made certain here.
 */
describe("the connector's failover watch", () => {
  it('brings every client back on the new master when the failover is announced while they ask a stopped sentinel', async () => {
    lab = await startSentinelLab({ downAfterMs: 1000, failoverTimeoutMs: 5000 });
    const [first, second] = lab.ports.sentinels;
    const connect = redisConnector(lab.url);
    const made = [connect('blocking', 'watch-blocking'), connect('fail-fast', 'watch-fast'), connect('commands', 'watch-commands')];
    clients.push(...made);
    const copy = made[0]!.duplicate();
    copy.on('error', () => undefined);
    clients.push(copy);
    for (const c of [...made, copy]) {
      // The fail-fast client has no offline queue: a command before it is ready fails.
      await waitUntil(`${c.options.connectionName} to be ready`, async () => c.status === 'ready', 10_000, 20);
      expect(await c.set(`k-${c.options.connectionName}`, 'before')).toBe('OK');
    }

    const asked = new Redis({ host: '127.0.0.1', port: second!, lazyConnect: true, maxRetriesPerRequest: 1 });
    asked.on('error', () => undefined);
    clients.push(asked);
    const master = async () => Number(((await asked.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', LAB_MASTER)) as string[])[1]);

    lab.kill(first!, 'SIGSTOP');
    lab.kill(lab.ports.master, 'SIGKILL');
    await waitUntil('the other sentinels to promote the replica', async () => (await master()) === lab!.ports.replica, 20_000, 50);
    // Every sentinel that runs has announced the switch by now.
    await new Promise((r) => setTimeout(r, 1500));
    lab.kill(first!, 'SIGCONT');

    await writesOn([...made, copy], lab.ports.replica, 20_000);
  }, 60_000);

  it('moves the clients off a frozen master when the switch is announced, also one that was ended and connected again', async () => {
    lab = await startSentinelLab({ downAfterMs: 1000, failoverTimeoutMs: 5000 });
    const connect = redisConnector(lab.url);
    const made = [connect('blocking', 'frozen-blocking'), connect('fail-fast', 'frozen-fast'), connect('commands', 'frozen-again')];
    clients.push(...made);
    for (const c of made) await waitUntil(`${c.options.connectionName} to be ready`, async () => c.status === 'ready', 10_000, 20);
    // Ended and connected again, as BullMQ does with a blocking client whose command hung.
    const again = made[2]!;
    again.disconnect();
    await waitUntil('the client to end', async () => again.status === 'end', 5_000, 20);
    await again.connect();
    for (const c of made) expect((c.stream as { remotePort?: number }).remotePort).toBe(lab.ports.master);

    // A frozen master keeps its connections open: only the announcement moves the clients.
    lab.kill(lab.ports.master, 'SIGSTOP');
    await waitUntil('the sentinels to promote the replica', async () => (await lab!.masterPort()) === lab!.ports.replica, 20_000, 50);
    await writesOn(made, lab.ports.replica, 15_000);
  }, 60_000);
});
