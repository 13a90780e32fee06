import type { Redis } from 'ioredis';
import { luaScript } from '../store/lua-script.ts';

/**
 * A token bucket per chat channel, kept in Redis so every bot process draws on the same one:
 * `burst` posts at once, then one per `gapMs`. Tokens are counted in thousandths (integers in
 * Redis). Answers 0 when a token was taken, else the ms until one will be there.
 * KEYS: bucket. ARGV: burst, gapMs.
 */
const TAKE = luaScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local burst, gap = tonumber(ARGV[1]), tonumber(ARGV[2])
local s = redis.call('HMGET', KEYS[1], 'm', 'at')
local milli = tonumber(s[1]) or burst * 1000
local at = tonumber(s[2]) or now
milli = math.min(burst * 1000, milli + math.floor((now - at) * 1000 / gap))
if milli < 1000 then return math.ceil((1000 - milli) * gap / 1000) end
redis.call('HSET', KEYS[1], 'm', milli - 1000, 'at', now)
redis.call('PEXPIRE', KEYS[1], burst * gap + 1000)
return 0`);

/** How fast new messages may go to one channel, whichever bot posts them. */
export interface ChannelPace {
  /** Posts at once before the pace applies. */
  burst: number;
  /** Least time between posts after the burst. */
  gapMs: number;
}

/** Takes a turn to post in the channel behind `key`: 0 to post now, else the ms to wait before asking again. */
export async function takeChannelTurn(redis: Redis, key: string, pace: ChannelPace): Promise<number> {
  return Number(await TAKE.run(redis, [key], [pace.burst, pace.gapMs]));
}
