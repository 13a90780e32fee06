import { StringDecoder } from 'node:string_decoder';
import type Docker from 'dockerode';
import { type FollowSource, mergeFollowed, STARTED_SINCE } from '../follow-lines.ts';
import { UserError } from '../../core/user-error.ts';
import type { LogLine, LogOptions } from '../driver.ts';
import { LABEL } from './labels.ts';
import { listAppContainers } from './list-instances.ts';

export interface LogFrame {
  stream: 'stdout' | 'stderr';
  text: string;
}

/**
 * Splits the Engine's multiplexed (non-TTY) log format into frames: an 8-byte header (byte 0:
 * 1 stdout, 2 stderr; bytes 4..7: payload size), then the payload. A buffer that is not
 * multiplexed (a TTY container) is one stdout frame.
 */
export function demuxFrames(buffer: Buffer): LogFrame[] {
  const frames: LogFrame[] = [];
  let offset = 0;
  while (offset + 8 <= buffer.length && (buffer[offset] === 1 || buffer[offset] === 2) && buffer.readUInt16BE(offset + 1) === 0) {
    const size = buffer.readUInt32BE(offset + 4);
    frames.push({
      stream: buffer[offset] === 2 ? 'stderr' : 'stdout',
      text: buffer.subarray(offset + 8, offset + 8 + size).toString('utf8'),
    });
    offset += 8 + size;
  }
  if (offset === 0 && buffer.length > 0) return [{ stream: 'stdout', text: buffer.toString('utf8') }];
  return frames;
}

/** Splits the Engine's multiplexed log format into text (both streams). */
export function demuxLogs(buffer: Buffer): string {
  return demuxFrames(buffer)
    .map((f) => f.text)
    .join('');
}

/** Frames to lines, per stream: a line split over two frames of one stream is joined. */
export function framesToLines(frames: ReadonlyArray<LogFrame>): LogFrame[] {
  const lines: LogFrame[] = [];
  const partial: Record<LogFrame['stream'], string> = { stdout: '', stderr: '' };
  for (const frame of frames) {
    const parts = (partial[frame.stream] + frame.text).split('\n');
    partial[frame.stream] = parts.pop() ?? '';
    for (const text of parts) lines.push({ stream: frame.stream, text: text.replace(/\r$/, '') });
  }
  for (const stream of ['stdout', 'stderr'] as const) if (partial[stream]) lines.push({ stream, text: partial[stream] });
  return lines;
}

/**
 * Frames to lines as a followed log's chunks come (a frame may be cut between chunks, a line
 * between frames, a character between chunks); `end()` gives what is left. A stream that is not
 * multiplexed (a TTY container) is all stdout.
 */
export function lineSplitter(): { push(chunk: Buffer): LogFrame[]; end(): LogFrame[] } {
  let pending: Buffer = Buffer.alloc(0);
  let multiplexed: boolean | undefined;
  const decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };
  const partial: Record<LogFrame['stream'], string> = { stdout: '', stderr: '' };
  const lines = (stream: LogFrame['stream'], text: string, out: LogFrame[]) => {
    const parts = (partial[stream] + text).split('\n');
    partial[stream] = parts.pop() ?? '';
    for (const line of parts) out.push({ stream, text: line.replace(/\r$/, '') });
  };
  return {
    push(chunk) {
      const out: LogFrame[] = [];
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      multiplexed ??= pending.length >= 4 ? (pending[0] === 1 || pending[0] === 2) && pending.readUIntBE(1, 3) === 0 : undefined;
      if (multiplexed === false) {
        lines('stdout', decoders.stdout.write(pending), out);
        pending = Buffer.alloc(0);
      }
      while (multiplexed && pending.length >= 8 && pending.length >= 8 + pending.readUInt32BE(4)) {
        const stream = pending[0] === 2 ? 'stderr' : 'stdout';
        const end = 8 + pending.readUInt32BE(4);
        lines(stream, decoders[stream].write(pending.subarray(8, end)), out);
        pending = pending.subarray(end);
      }
      return out;
    },
    end() {
      const out: LogFrame[] = [];
      if (multiplexed !== true && pending.length) lines('stdout', decoders.stdout.write(pending), out);
      for (const stream of ['stdout', 'stderr'] as const) {
        const rest = partial[stream] + decoders[stream].end();
        partial[stream] = '';
        if (rest) out.push({ stream, text: rest.replace(/\r$/, '') });
      }
      return out;
    },
  };
}

/**
 * A source of `logs --follow` (follow-lines.ts): the Engine log stream `open` gives, as lines of
 * `replica`; with `started`, first a `started` line that says so (a replica found later).
 */
export function followEngineLog(
  open: (stop: AbortSignal) => Promise<NodeJS.ReadableStream>,
  replica: Omit<LogLine, 'stream' | 'text'>,
  gone: string,
  started?: string,
): FollowSource {
  return async (push, stop) => {
    if (started) push({ ...replica, stream: 'started', text: started });
    const split = lineSplitter();
    let why = gone;
    try {
      for await (const chunk of await open(stop)) for (const f of split.push(Buffer.from(chunk))) push({ ...replica, ...f });
    } catch (err) {
      why = `its log could not be read further: ${(err as Error).message}`;
    }
    for (const f of split.end()) push({ ...replica, ...f });
    if (!stop.aborted) push({ ...replica, stream: 'ended', text: why });
  };
}

/** The last `tail` lines a container wrote, for failure reports. */
export async function tailContainerLogs(docker: Docker, id: string, tail = 20): Promise<string[]> {
  const raw = (await docker.getContainer(id).logs({ stdout: true, stderr: true, follow: false, tail })) as unknown as Buffer;
  return demuxLogs(Buffer.from(raw))
    .split('\n')
    .filter((l) => l.trim());
}

const replicaOf = (c: Docker.ContainerInfo) => Number(/-(\d+)$/.exec((c.Names[0] ?? '').replace(/^\//, ''))?.[1] ?? -1);

/** `logs`: the running replicas of app+env (or the one asked for), each one's last lines, demultiplexed. */
export async function* appLogs(
  docker: Docker,
  instance: string,
  app: string,
  env: string,
  opts: LogOptions,
  now: Date,
  signal: AbortSignal,
): AsyncIterable<LogLine> {
  const running = (await listAppContainers(docker, instance, app, env))
    .filter((c) => c.State === 'running')
    .sort((a, b) => replicaOf(a) - replicaOf(b));
  if (running.length === 0)
    throw new UserError(
      'no_replicas',
      `no replica of ${app} (${env}) is running, so there are no logs to show; "status ${app}" shows its state`,
    );
  const chosen = opts.replica === undefined ? running : running.filter((c) => replicaOf(c) === opts.replica);
  if (chosen.length === 0)
    throw new UserError(
      'replica_not_found',
      `${app} (${env}) has no running replica ${opts.replica}; give --replica one of: ${running.map(replicaOf).join(', ')}`,
    );
  const query = {
    stdout: true,
    stderr: true,
    tail: opts.tail,
    ...(opts.sinceSeconds === undefined ? {} : { since: Math.floor(now.getTime() / 1000) - opts.sinceSeconds }),
  };
  const replica = (c: Docker.ContainerInfo) => ({
    instance: (c.Names[0] ?? c.Id).replace(/^\//, ''),
    replica: replicaOf(c),
    release: Number(c.Labels[LABEL.release]),
  });
  if (opts.followSeconds) {
    const open = (c: Docker.ContainerInfo, from: object) => (stop: AbortSignal) =>
      docker.getContainer(c.Id).logs({ ...from, follow: true, abortSignal: stop }) as Promise<NodeJS.ReadableStream>;
    const gone = 'the replica stopped (a deploy, scale, rollback or restart replaced it?)';
    // Replicas found later started after the follow began: all they wrote since then.
    const since = { stdout: true, stderr: true, since: Math.floor(now.getTime() / 1000) };
    const seen = new Set(chosen.map((c) => c.Id));
    const discover = async () => {
      const fresh = (await listAppContainers(docker, instance, app, env))
        .filter((c) => c.State === 'running' && !seen.has(c.Id) && (opts.replica === undefined || replicaOf(c) === opts.replica))
        .sort((a, b) => replicaOf(a) - replicaOf(b));
      for (const c of fresh) seen.add(c.Id);
      return fresh.map((c) => followEngineLog(open(c, since), replica(c), gone, STARTED_SINCE));
    };
    yield* mergeFollowed(
      chosen.map((c) => followEngineLog(open(c, query), replica(c), gone)),
      opts.followSeconds,
      signal,
      discover,
    );
    return;
  }
  for (const c of chosen) {
    const raw = (await docker.getContainer(c.Id).logs({ ...query, follow: false })) as unknown as Buffer;
    for (const line of framesToLines(demuxFrames(Buffer.from(raw)))) yield { ...replica(c), ...line };
  }
}
