import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

export interface LuaScript {
  /** Runs the script by its SHA1 (EVALSHA); a server that does not know it yet (new, restarted, failed over) is sent the text once (EVAL). */
  run(redis: Redis, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<unknown>;
}

/**
 * A Lua script sent by its hash: a job's hot path runs a few scripts per job, and EVAL sends
 * and hashes the whole text every time. Scripts are constants of the code, never built from input.
 */
export function luaScript(source: string): LuaScript {
  const sha = createHash('sha1').update(source).digest('hex');
  return {
    async run(redis, keys, args) {
      try {
        return await redis.evalsha(sha, keys.length, ...keys, ...args);
      } catch (err) {
        if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
        return redis.eval(source, keys.length, ...keys, ...args);
      }
    },
  };
}
