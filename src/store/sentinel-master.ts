import { lookup } from 'node:dns/promises';
import { isIP, type Socket } from 'node:net';
import { Redis, type RedisOptions } from 'ioredis';

/** Longest one sentinel is given to answer which server is the master. @defaultValue 500 */
const SENTINEL_ASK_MS = 500;

/**
 * Whether `client` is connected to the server the sentinels name as master now. Asks them in
 * turn (`SENTINEL get-master-addr-by-name`); the first that answers decides. False when none
 * answers or the client has no connection: a caller that cannot tell must not acknowledge.
 *
 * Why: a master that was frozen (stopped, cut off) while the sentinels promoted its replica
 * takes writes again when it comes back, with no replica, until the sentinels demote it; what it
 * took then is discarded. A client still connected to it learns the truth only from the sentinels.
 */
export type MasterCheck = (client: Redis) => Promise<boolean>;

/** The check for a Sentinel group, from the ioredis options redis-url.ts made of `redis+sentinel://…`. */
export function sentinelMasterCheck(options: RedisOptions): MasterCheck {
  return async (client) => {
    const socket = client.stream as Socket | undefined;
    const remote = socket?.remoteAddress;
    if (!remote || !socket?.remotePort || !options.name) return false;
    for (const { host = '127.0.0.1', port = 26379 } of (options.sentinels ?? []) as Array<{ host?: string; port?: number }>) {
      const sentinel = new Redis({
        host,
        port,
        ...(options.sentinelUsername ? { username: options.sentinelUsername } : {}),
        ...(options.sentinelPassword ? { password: options.sentinelPassword } : {}),
        lazyConnect: true,
        connectTimeout: SENTINEL_ASK_MS,
        commandTimeout: SENTINEL_ASK_MS,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      sentinel.on('error', () => undefined);
      try {
        await sentinel.connect();
        const addr = (await sentinel.call('SENTINEL', 'get-master-addr-by-name', options.name)) as [string, string] | null;
        if (!addr) continue;
        return Number(addr[1]) === socket.remotePort && (await sameHost(addr[0], remote));
      } catch {
        // This sentinel did not answer: ask the next.
      } finally {
        sentinel.disconnect();
      }
    }
    return false;
  };
}

const plain = (ip: string) => ip.replace(/^::ffff:/, '');

/** Whether the sentinels' `announced` address (an IP, or a name with announce-hostnames) is `remote`. */
export async function sameHost(announced: string, remote: string): Promise<boolean> {
  if (isIP(announced)) return plain(announced) === plain(remote);
  const addresses = await lookup(announced, { all: true }).catch(() => []);
  return addresses.some((a) => plain(a.address) === plain(remote));
}
