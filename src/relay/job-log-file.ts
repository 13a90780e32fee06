import { Readable } from 'node:stream';
import type { Redis } from 'ioredis';
import { jobStreamPages } from '../jobs/job-stream.ts';
import type { StreamEntry } from '../jobs/job-event.ts';
import type { RedisKeys } from '../store/keys.ts';
import type { LogFile } from './chat-surface.ts';

/** `<time> <line>\n` for each log entry of a page. */
function pageText(page: StreamEntry[]): string {
  let text = '';
  for (const { event } of page) if (event.type === 'log') text += `${event.at} ${event.line}\n`;
  return text;
}

/**
 * The whole log of a finished job as a LogFile: its size is counted in one pass over the
 * stream, and each `open()` reads the stream again page by page, so the relay never holds the
 * log in memory whole (the writer's cap bounds it; this keeps the relay's own memory flat).
 */
export async function jobLogFile(redis: Redis, keys: RedisKeys, jobId: string, name: string): Promise<LogFile> {
  let bytes = 0;
  let lines = 0;
  for await (const page of jobStreamPages(redis, keys, jobId)) {
    bytes += Buffer.byteLength(pageText(page));
    lines += page.filter((e) => e.event.type === 'log').length;
  }
  async function* chunks(): AsyncGenerator<Buffer> {
    for await (const page of jobStreamPages(redis, keys, jobId)) {
      const text = pageText(page);
      if (text) yield Buffer.from(text, 'utf8');
    }
  }
  return { name, bytes, lines, open: () => Readable.from(chunks(), { objectMode: false }) };
}
