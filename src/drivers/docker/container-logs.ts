import type Docker from 'dockerode';
import { mergeFollowed, STARTED_SINCE } from '../follow-lines.ts';
import { UserError } from '../../core/user-error.ts';
import type { LogLine, LogOptions } from '../driver.ts';
import { followContainer, type LogFrame } from './engine-follow.ts';
import { LABEL } from './labels.ts';
import { listAppContainers } from './list-instances.ts';

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

/** The last `tail` lines a container wrote, for failure reports. */
export async function tailContainerLogs(docker: Docker, id: string, tail = 20): Promise<string[]> {
  const raw = (await docker.getContainer(id).logs({ stdout: true, stderr: true, follow: false, tail })) as unknown as Buffer;
  return demuxLogs(Buffer.from(raw))
    .split('\n')
    .filter((l) => l.trim());
}

/** A replica whose log `logs` shows: running, or between two runs of a crash loop (its last lines say why). */
const live = (c: Docker.ContainerInfo) => c.State === 'running' || c.State === 'restarting';

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
  const running = (await listAppContainers(docker, instance, app, env)).filter(live).sort((a, b) => replicaOf(a) - replicaOf(b));
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
    const gone = 'the replica stopped (a deploy, scale, rollback or restart replaced it?)';
    // Replicas found later started after the follow began: all they wrote since then.
    const since = { stdout: true, stderr: true, since: Math.floor(now.getTime() / 1000) };
    const seen = new Set(chosen.map((c) => c.Id));
    const discover = async () => {
      const fresh = (await listAppContainers(docker, instance, app, env))
        .filter((c) => live(c) && !seen.has(c.Id) && (opts.replica === undefined || replicaOf(c) === opts.replica))
        .sort((a, b) => replicaOf(a) - replicaOf(b));
      for (const c of fresh) seen.add(c.Id);
      return fresh.map((c) => followContainer(docker.getContainer(c.Id), since, replica(c), gone, STARTED_SINCE));
    };
    yield* mergeFollowed(
      chosen.map((c) => followContainer(docker.getContainer(c.Id), query, replica(c), gone)),
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
