import { Redis, type RedisOptions } from 'ioredis';

/**
 * How a client is used, which decides how it fails:
 * - `fail-fast`: a user waits on it (enqueue, reads for answers): no offline queue, one retry,
 *   a 1 s connect timeout, so "nothing was queued" comes in time;
 * - `commands`: background writes that should ride out a short blip (three retries);
 * - `blocking`: BullMQ workers and pub/sub subscribers, which wait on the server for long.
 */
export type RedisRole = 'fail-fast' | 'commands' | 'blocking';

/** Makes Redis clients. The composition root builds the one voxoz uses and hands it to every part that needs a client. */
export type RedisConnector = (role: RedisRole, name: string) => Redis;

const ROLE_OPTIONS: Readonly<Record<RedisRole, RedisOptions>> = {
  'fail-fast': { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 1000 },
  commands: { maxRetriesPerRequest: 3 },
  blocking: { maxRetriesPerRequest: null },
};

/** A connector for one server URL (redis:// or a unix socket path). Errors go to `onError` instead of crashing the process. */
export function redisConnector(url: string, onError: (name: string, err: Error) => void = () => undefined): RedisConnector {
  return (role, name) => {
    const client = new Redis(url, { ...ROLE_OPTIONS[role], connectionName: name });
    client.on('error', (err: Error) => onError(name, err));
    return client;
  };
}

/** The connector a part was given, or one for the URL it was given (tests and tools pass a URL). */
export function connectorFrom(opts: { connect?: RedisConnector; redisUrl?: string }): RedisConnector {
  if (opts.connect) return opts.connect;
  if (opts.redisUrl) return redisConnector(opts.redisUrl);
  throw new Error('a Redis connector or URL is required');
}
