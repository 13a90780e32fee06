import { workersReply } from '../../commands/workers.ts';
import { redisFor } from '../audit/audit-cli.ts';
import type { Settings } from '../config/read-settings.ts';
import { redisKeys } from '../store/keys.ts';
import { listWorkers } from './worker-presence.ts';

/** `voxoz worker --list`: the workers alive on the Redis voxoz uses (REDIS_URL or its own), as `workers` says it in chat; exit 1 when none. */
export async function workersCli(settings: Settings, write: (text: string) => void): Promise<number> {
  const redis = await redisFor(settings);
  try {
    const reply = workersReply(await listWorkers(redis, redisKeys(settings.queueName)));
    write(`${reply.title}\n${reply.text ?? ''}\n${(reply.code ?? []).join('\n')}\n`);
    return reply.status === 'error' ? 1 : 0;
  } finally {
    redis.disconnect();
  }
}
