import { Redis } from 'ioredis';

/** Job ids voxoz holds in Redis for a queue name (one hash per job). */
export async function jobIds(redisUrl: string, queueName: string): Promise<string[]> {
  const redis = new Redis(redisUrl);
  try {
    const keys = await redis.keys(`${queueName}:job:*`);
    return keys
      .filter((k) => !k.endsWith(':events'))
      .map((k) => k.slice(`${queueName}:job:`.length))
      .sort();
  } finally {
    redis.disconnect();
  }
}
