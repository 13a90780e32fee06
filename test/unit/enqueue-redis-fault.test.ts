import { describe, expect, it } from 'vitest';
import { whyRedisFailed } from '../../src/jobs/enqueue-job.ts';

describe('why an enqueue failed, as the user hears it', () => {
  it("says the connection was lost for ioredis' words of a connection that is gone", () => {
    for (const message of [
      'Reached the max retries per request limit (which is 1). Refer to "maxRetriesPerRequest" option for details.',
      "Stream isn't writeable and enableOfflineQueue options is false",
      'Connection is closed.',
      'connect ECONNREFUSED 127.0.0.1:6379',
      'read ECONNRESET',
    ])
      expect(whyRedisFailed(new Error(message))).toBe('the connection to Redis was lost');
  });

  it("keeps Redis's own refusal as it is", () => {
    const oom = "OOM command not allowed when used memory > 'maxmemory'.";
    expect(whyRedisFailed(new Error(oom))).toBe(oom);
  });
});
