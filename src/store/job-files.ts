import type { Redis } from 'ioredis';
import type { Reply } from '../core/types.ts';
import type { JobFile } from '../jobs/processors/processor.ts';
import { STREAM_TTL_SECONDS } from './job-fields.ts';
import type { RedisKeys } from './keys.ts';

/** Largest file a job may hand the relay (a chart, not a log). @defaultValue 4 MiB */
export const MAX_JOB_FILE_BYTES = 4 * 1024 * 1024;
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** Keeps a job's files in Redis (as long as its stream) for the relay; returns what the outcome names. */
export async function saveJobFiles(
  redis: Redis,
  keys: RedisKeys,
  jobId: string,
  files: JobFile[],
): Promise<NonNullable<Reply['attachments']>> {
  const pipeline = redis.multi();
  for (const f of files) {
    if (!NAME.test(f.name)) throw new Error(`a job file's name must be letters, digits, ".", "_", "-", got "${f.name}"`);
    if (f.data.length > MAX_JOB_FILE_BYTES) throw new Error(`${f.name} is ${f.data.length} bytes, over ${MAX_JOB_FILE_BYTES}`);
    pipeline.set(keys.jobFile(jobId, f.name), f.data, 'EX', STREAM_TTL_SECONDS);
  }
  await pipeline.exec();
  return files.map((f) => ({ name: f.name, contentType: f.contentType, bytes: f.data.length }));
}

/** A file `saveJobFiles` kept, or undefined once it expired. */
export async function readJobFile(redis: Redis, keys: RedisKeys, jobId: string, name: string): Promise<Buffer | undefined> {
  return (await redis.getBuffer(keys.jobFile(jobId, name))) ?? undefined;
}
