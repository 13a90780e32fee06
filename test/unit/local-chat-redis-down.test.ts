import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { LocalChat } from '../../adapters/local/local-chat.ts';
import { redisKeys } from '../../src/store/keys.ts';

// The local chat when Redis does not answer: opening a thread (its command written with it)
// fails as a whole, and neither write's failure is left unhandled (a log line per command, and
// in a test run an error of its own).
describe('the local chat with Redis down', () => {
  it('a thread that cannot be opened fails once, with no unhandled rejection', async () => {
    const down = () => new Redis('/nonexistent/voxoz-test.sock', { maxRetriesPerRequest: 1, retryStrategy: () => 20, lazyConnect: true });
    const redis = down();
    const subscriber = down();
    for (const c of [redis, subscriber]) c.on('error', () => undefined);
    const unhandled: unknown[] = [];
    const onUnhandled = (err: unknown) => unhandled.push(err);
    process.on('unhandledRejection', onUnhandled);
    try {
      const chat = new LocalChat({ redis, subscriber, keys: redisKeys('down') });
      await expect(chat.openThread('alice', 'status hello')).rejects.toThrow(/max retries per request/);
      await new Promise((r) => setTimeout(r, 200));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      redis.disconnect();
      subscriber.disconnect();
    }
  });
});
