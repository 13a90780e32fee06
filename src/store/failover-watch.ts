import type { Socket } from 'node:net';
import { Redis, type RedisOptions } from 'ioredis';
import { sameHost } from './sentinel-master.ts';

/** How long after a switch a client that only then comes up on the old master is sent on again. @defaultValue 10000 */
const LATE_READY_MS = 10_000;

/**
 * Moves voxoz's clients off a master the sentinels replaced. Each sentinel announces a failover
 * on its `+switch-master` channel (`<name> <old-ip> <old-port> <new-ip> <new-port>`); every
 * watched client that is up on the old master then drops its connection and reconnects, which
 * asks the sentinels for the master again. A master that was frozen or cut off still takes
 * writes when it comes back, until the sentinels demote it, and discards them then.
 *
 * Why not ioredis' own `failoverDetector`: it drops the connection through the connector, also
 * while the client is between connections asking a sentinel for the master (the master was
 * killed, so the client was already reconnecting), and ioredis then ends that client for good
 * (status `end`, no retry): every command after fails, and a worker or the enqueue never comes
 * back (seen under load in the Sentinel failover test). Here a client that is not `ready` is
 * left alone: it is already on its way to the master the sentinels name now.
 */
export interface FailoverWatch {
  /** Watches `client` (and the clients made with its `duplicate()`, as BullMQ does) while it is connected. */
  watch(client: Redis): void;
}

/**
 * The master a `+switch-master` announcement (`<name> <old-ip> <old-port> <new-ip> <new-port>`)
 * replaced, for the group `name`; masters on different hosts often share a port (6379).
 */
export function replacedMaster(message: string, name: string | undefined): { host: string; port: number } | undefined {
  const [group, oldHost, oldPort, newHost, newPort] = message.split(' ');
  if (group !== name || !oldHost || !oldPort || (oldHost === newHost && oldPort === newPort)) return undefined;
  return { host: oldHost, port: Number(oldPort) };
}

/** The watch for a Sentinel group, from the ioredis options redis-url.ts made of `redis+sentinel://…`. */
export function sentinelFailoverWatch(options: RedisOptions): FailoverWatch {
  const clients = new Set<Redis>();
  let subscribers: Redis[] = [];
  /** The master the last switch replaced, and when. */
  let replaced: { host: string; port: number; at: number } | undefined;

  const leaveIfOnReplaced = async (client: Redis) => {
    const old = replaced;
    const socket = client.stream as Socket | undefined;
    if (!old || Date.now() - old.at > LATE_READY_MS || client.status !== 'ready') return;
    if (!socket?.remoteAddress || socket.remotePort !== old.port || !(await sameHost(old.host, socket.remoteAddress))) return;
    // Still up on the same connection: drop it and reconnect (a manual disconnect would end the client).
    if (client.status === 'ready' && client.stream === socket) client.disconnect(true);
  };
  const onMessage = (channel: string, message: string) => {
    const old = channel === '+switch-master' ? replacedMaster(message, options.name) : undefined;
    if (!old) return;
    replaced = { ...old, at: Date.now() };
    for (const client of clients) void leaveIfOnReplaced(client);
  };
  const start = () => {
    subscribers = ((options.sentinels ?? []) as Array<{ host?: string; port?: number }>).map(({ host = '127.0.0.1', port = 26379 }) => {
      const sub = new Redis({
        host,
        port,
        ...(options.sentinelUsername ? { username: options.sentinelUsername } : {}),
        ...(options.sentinelPassword ? { password: options.sentinelPassword } : {}),
        connectionName: 'voxoz-failover-watch',
        maxRetriesPerRequest: null,
        retryStrategy: (times) => Math.min(times * 100, 2000),
      });
      sub.on('error', () => undefined);
      // The watch never keeps a process alive on its own.
      sub.on('connect', () => (sub.stream as Socket | undefined)?.unref?.());
      sub.on('message', onMessage);
      void sub.subscribe('+switch-master').catch(() => undefined);
      return sub;
    });
  };
  const add = (client: Redis) => {
    if (clients.has(client)) return;
    if (clients.size === 0) start();
    clients.add(client);
  };
  const watch = (client: Redis) => {
    add(client);
    // Ended, a client is not watched (the last one takes the subscribers along); connected again
    // (BullMQ ends and reconnects a blocking client whose command hung), it is once more.
    client.on('connect', () => add(client));
    client.on('ready', () => void leaveIfOnReplaced(client));
    client.on('end', () => {
      if (!clients.delete(client) || clients.size > 0) return;
      for (const sub of subscribers) sub.disconnect();
      subscribers = [];
    });
    const duplicate = client.duplicate.bind(client);
    client.duplicate = (override?: Partial<RedisOptions>) => {
      const copy = duplicate(override);
      watch(copy);
      return copy;
    };
  };
  return { watch };
}
