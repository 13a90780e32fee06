import type { JobEvent } from './job-event.ts';

/** How much of one job attempt's log is kept. See `worker.logLimit` in voxoz.yml. */
export interface LogLimit {
  bytes: number;
  lines: number;
  tailLines: number;
}

type LogEvent = Extract<JobEvent, { type: 'log' }>;

/** Longest log line kept, in characters; the rest of a longer line is cut with "…". @defaultValue 8192 */
export const MAX_LINE_CHARS = 8192;

const mb = (bytes: number) => `${(bytes / (1024 * 1024)).toFixed(bytes < 1024 * 1024 ? 2 : 1)} MB`;

/**
 * Bounds a job's log: lines pass until either limit is reached; after that they are counted
 * and only the last `tailLines` are kept in a ring. `drain()` (at the end of the attempt)
 * returns one "log truncated" line and that tail, so the stream, the thread and the uploaded
 * file end the way the build did, and memory stays bounded however much a build prints.
 */
export function createLogCap(limit: LogLimit): { admit(event: LogEvent): LogEvent | undefined; drain(at: string): LogEvent[] } {
  let bytes = 0;
  let lines = 0;
  let truncated = false;
  let dropped = 0;
  // A ring of the last `tailLines` dropped lines: `next` is where the oldest one is overwritten.
  let ring: LogEvent[] = [];
  let next = 0;
  return {
    admit(event) {
      const line = event.line.length > MAX_LINE_CHARS ? `${event.line.slice(0, MAX_LINE_CHARS - 1)}…` : event.line;
      const cut = line === event.line ? event : { ...event, line };
      const size = Buffer.byteLength(cut.line) + 1;
      if (!truncated && lines + 1 <= limit.lines && bytes + size <= limit.bytes) {
        lines += 1;
        bytes += size;
        return cut;
      }
      truncated = true;
      dropped += 1;
      if (ring.length < limit.tailLines) ring.push(cut);
      else if (limit.tailLines > 0) {
        ring[next] = cut;
        next = (next + 1) % limit.tailLines;
      }
      return undefined;
    },
    drain(at) {
      if (dropped === 0) return [];
      const skipped = dropped - ring.length;
      const tail = [...ring.slice(next), ...ring.slice(0, next)];
      ring = [];
      next = 0;
      dropped = 0;
      const line = `… log truncated after ${mb(bytes)} / ${lines} lines (worker.logLimit: ${limit.bytes} bytes, ${limit.lines} lines); ${skipped} line${skipped === 1 ? '' : 's'} dropped, the last ${tail.length} follow …`;
      return [{ type: 'log', at, line }, ...tail];
    },
  };
}
