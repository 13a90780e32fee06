/**
 * The Lua scripts behind the local chat's threads in Redis. Each write and its event are one
 * script, so every bot process sees the events of a thread in the order they were written, each
 * with the thread's new `seq` (a live view drops events its snapshot already holds).
 * Messages are stored as JSON in `m:<n>`; their ids (`m-<n>`) and edit counts are put in by the
 * script (the caller passes the JSON without its opening `{`), so two processes never pick one id.
 */

// KEYS: thread, channel. ARGV: id, conversation, now ms, ttl s, max threads per channel, thread key prefix.
export const OPEN = `
redis.call('HSET', KEYS[1], 'state', 'open', 'conversation', ARGV[2], 'seq', 0, 'count', 0, 'openedAt', ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
redis.call('EXPIRE', KEYS[2], ARGV[4])
local over = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[5])
if over > 0 then
  for _, old in ipairs(redis.call('ZRANGE', KEYS[2], 0, over - 1)) do redis.call('DEL', ARGV[6] .. old) end
  redis.call('ZREMRANGEBYRANK', KEYS[2], 0, over - 1)
end
return 1`;

// KEYS: thread. ARGV: message JSON without '{', ttl s, thread id as JSON, most messages, '1' if it may be dropped
// (a log batch past the limit), pub/sub channel, '1' to reopen the thread (a new parent: another job posts here),
// or 'later' (a new parent of a job that waits for its time: marked w:<n>, counted once its parent's edit says it runs).
// Returns {n, seq}: n = -1 no such thread, 0 dropped.
export const ADD = `
if redis.call('EXISTS', KEYS[1]) == 0 then return {-1, 0} end
local count = tonumber(redis.call('HGET', KEYS[1], 'count') or '0')
local max = tonumber(ARGV[4])
if (ARGV[5] == '1' and count >= max) or count >= max + 100 then
  redis.call('HINCRBY', KEYS[1], 'dropped', 1)
  return {0, 0}
end
local n = redis.call('HINCRBY', KEYS[1], 'count', 1)
local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
local msg = '{"id":"m-' .. n .. '","edits":0,' .. ARGV[1]
redis.call('HSET', KEYS[1], 'm:' .. n, msg)
if ARGV[7] == '1' then
  redis.call('HINCRBY', KEYS[1], 'jobs', 1)
  redis.call('HSET', KEYS[1], 'state', 'open')
  redis.call('HDEL', KEYS[1], 'outcome')
elseif ARGV[7] == 'later' then
  redis.call('HSET', KEYS[1], 'w:' .. n, 1)
end
redis.call('EXPIRE', KEYS[1], ARGV[2])
redis.call('PUBLISH', ARGV[6], '{"type":"message","thread":' .. ARGV[3] .. ',"seq":' .. seq .. ',"message":' .. msg .. '}')
return {n, seq}`;

// KEYS: thread. ARGV: n, message JSON without '{' and without edits, ttl s, thread id as JSON, pub/sub channel,
// '1' when the message is a parent whose job no longer waits for its time: a parent posted 'later' (ADD) then
// reopens the thread, as a new job's parent does. Returns the new seq, or 0 when there is no such message.
export const EDIT = `
if redis.call('HEXISTS', KEYS[1], 'm:' .. ARGV[1]) == 0 then return 0 end
if ARGV[6] == '1' and redis.call('HDEL', KEYS[1], 'w:' .. ARGV[1]) == 1 then
  redis.call('HINCRBY', KEYS[1], 'jobs', 1)
  redis.call('HSET', KEYS[1], 'state', 'open')
  redis.call('HDEL', KEYS[1], 'outcome')
end
local e = redis.call('HINCRBY', KEYS[1], 'e:' .. ARGV[1], 1)
local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
local msg = '{"edits":' .. e .. ',' .. ARGV[2]
redis.call('HSET', KEYS[1], 'm:' .. ARGV[1], msg)
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('PUBLISH', ARGV[5], '{"type":"edit","thread":' .. ARGV[4] .. ',"seq":' .. seq .. ',"message":' .. msg .. '}')
return seq`;

// KEYS: thread. ARGV: outcome, outcome as JSON, ttl s, thread id as JSON, pub/sub channel.
// A job's (or an answer's) end. The thread ends (1) when no job posted in it is still running:
// \`jobs\` counts parents posted (ADD with reopen) minus ends. 0 when it is gone, already ended, or still busy.
export const END = `
if redis.call('HGET', KEYS[1], 'state') ~= 'open' then return 0 end
if redis.call('HINCRBY', KEYS[1], 'jobs', -1) > 0 then return 0 end
redis.call('HSET', KEYS[1], 'jobs', 0)
local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
redis.call('HSET', KEYS[1], 'state', 'done', 'outcome', ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('PUBLISH', ARGV[5], '{"type":"end","thread":' .. ARGV[4] .. ',"seq":' .. seq .. ',"outcome":' .. ARGV[2] .. '}')
return 1`;
