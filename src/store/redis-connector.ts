import { Redis, type RedisOptions } from 'ioredis';
import { type RedisTarget, redisTarget } from './redis-url.ts';
import { sentinelFailoverWatch } from './failover-watch.ts';
import { type MasterCheck, sentinelMasterCheck } from './sentinel-master.ts';

/**
 * How a client is used, which decides how it fails:
 * - `fail-fast`: a user waits on it (enqueue, reads for answers): no offline queue, one retry,
 *   a 1 s connect timeout, so "nothing was queued" comes in time;
 * - `commands`: background writes that should ride out a short blip (three retries);
 * - `blocking`: BullMQ workers and pub/sub subscribers, which wait on the server for long.
 */
export type RedisRole = 'fail-fast' | 'commands' | 'blocking';

/**
 * Makes Redis clients. The composition root builds the one voxoz uses and hands it to every part
 * that needs a client. With Sentinel, `masterCheck` asks the sentinels whether a client is on the
 * master they name now (see sentinel-master.ts).
 */
export type RedisConnector = ((role: RedisRole, name: string) => Redis) & { masterCheck?: MasterCheck };

const ROLE_OPTIONS: Readonly<Record<RedisRole, RedisOptions>> = {
  'fail-fast': { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 1000 },
  commands: { maxRetriesPerRequest: 3 },
  blocking: { maxRetriesPerRequest: null },
};

/**
 * What every client does about a failover, whatever the role:
 * - a write answered READONLY went to a master that was demoted under it (a Sentinel failover,
 *   or a managed Redis that swapped nodes behind one address): reconnect, which asks the
 *   sentinels for the master again, and resend the command (`2`);
 * - with Sentinel, the connector's failover watch (failover-watch.ts) hears `+switch-master` from
 *   the sentinels and drops each connection to the old master at once, instead of writing to it
 *   until it is demoted. ioredis' own `failoverDetector` stays off: it can end a client for good.
 */
const FAILOVER_OPTIONS: RedisOptions = {
  reconnectOnError: (err) => (err.message.startsWith('READONLY') ? 2 : false),
};

/** A new client for `target` (see redis-url.ts) with `options` on top. */
export function newRedis(target: RedisTarget, options: RedisOptions = {}): Redis {
  if (target.kind === 'sentinel') return new Redis({ ...target.options, ...FAILOVER_OPTIONS, ...options });
  return new Redis(target.url, { ...FAILOVER_OPTIONS, ...options });
}

/**
 * A connector for one REDIS_URL: redis://, rediss://, a unix socket path, or a Sentinel group
 * (redis+sentinel://…; see redis-url.ts). A bad URL throws here, listing what is wrong. Errors
 * of the clients go to `onError` instead of crashing the process.
 */
export function redisConnector(url: string, onError: (name: string, err: Error) => void = () => undefined): RedisConnector {
  const target = redisTarget(url, 'REDIS_URL');
  const failover = target.kind === 'sentinel' ? sentinelFailoverWatch(target.options) : undefined;
  const connector: RedisConnector = (role, name) => {
    const client = newRedis(target, { ...ROLE_OPTIONS[role], connectionName: name });
    client.on('error', (err: Error) => onError(name, err));
    failover?.watch(client);
    return client;
  };
  if (target.kind === 'sentinel') connector.masterCheck = sentinelMasterCheck(target.options);
  return connector;
}

/** The connector a part was given, or one for the URL it was given (tests and tools pass a URL). */
export function connectorFrom(opts: { connect?: RedisConnector; redisUrl?: string }): RedisConnector {
  if (opts.connect) return opts.connect;
  if (opts.redisUrl) return redisConnector(opts.redisUrl);
  throw new Error('a Redis connector or URL is required');
}
