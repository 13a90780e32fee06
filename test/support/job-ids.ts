import { Redis } from 'ioredis';
import { redisKeys } from '../../src/store/keys.ts';

/** Job ids voxoz holds in Redis for a queue name (one hash per job). */
export async function jobIds(redisUrl: string, queueName: string): Promise<string[]> {
  const redis = new Redis(redisUrl);
  const prefix = redisKeys(queueName).jobPrefix;
  try {
    const keys = await redis.keys(`${prefix}*`);
    return keys
      .map((k) => k.slice(prefix.length))
      .filter((id) => !id.includes(':'))
      .sort();
  } finally {
    redis.disconnect();
  }
}
