import { StringDecoder } from 'node:string_decoder';
import type Docker from 'dockerode';
import type { LogLine } from '../driver.ts';
import type { FollowSource } from '../follow-lines.ts';

// `logs --follow` on an engine: a log stream read as it comes, and a container's across its restarts.

/** A piece of a container's output, or a line of it, with the stream it came on. */
export interface LogFrame {
  stream: 'stdout' | 'stderr';
  text: string;
}

/**
 * Frames to lines as a followed log's chunks come (a frame may be cut between chunks, a line
 * between frames, a character between chunks); `end()` gives what is left. A stream that is not
 * multiplexed (a TTY container) is all stdout. `payload` sees each frame's payload first: what
 * it gives is read (undefined drops the frame).
 */
export function lineSplitter(payload: (frame: Buffer) => Buffer | undefined = (f) => f): {
  push(chunk: Buffer): LogFrame[];
  end(): LogFrame[];
} {
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
        const kept = payload(pending.subarray(8, end));
        if (kept) lines(stream, decoders[stream].write(kept), out);
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

/** What comes after a followed log's stream ended: its next run's stream and the line that says so. */
export type NextRun = (
  stop: AbortSignal,
) => Promise<{ open: (stop: AbortSignal) => Promise<NodeJS.ReadableStream>; text: string } | undefined>;

/** How a followed Engine log goes on: the line it starts with, its next run, a filter of its frames. */
export interface FollowMore {
  /** First a `started` line that says so (a replica found later). */
  started?: string;
  /** Or first a `restarted` line (a new instance in the place of one that stopped: Swarm's new task in a slot). */
  restarted?: string;
  /** After a stream ended: the replica's next run, read after a `restarted` line; none ends it. */
  next?: NextRun;
  /** Each frame's payload before it is read (lineSplitter). */
  payload?: (frame: Buffer) => Buffer | undefined;
}

/**
 * A source of `logs --follow` (follow-lines.ts): the Engine log stream `open` gives, as lines of
 * `replica`, then (`more.next`) those of the replica's next runs, until it ends with an `ended`
 * line that says why (`gone`, or the read that failed).
 */
export function followEngineLog(
  open: (stop: AbortSignal) => Promise<NodeJS.ReadableStream>,
  replica: Omit<LogLine, 'stream' | 'text'>,
  gone: string,
  more: FollowMore = {},
): FollowSource {
  return async (push, stop) => {
    if (more.started) push({ ...replica, stream: 'started', text: more.started });
    else if (more.restarted) push({ ...replica, stream: 'restarted', text: more.restarted });
    for (let from: typeof open | undefined = open; from; ) {
      const split = lineSplitter(more.payload);
      let why: string | undefined;
      try {
        for await (const chunk of await from(stop)) for (const f of split.push(Buffer.from(chunk))) push({ ...replica, ...f });
      } catch (err) {
        why = `its log could not be read further: ${(err as Error).message}`;
      }
      for (const f of split.end()) push({ ...replica, ...f });
      if (stop.aborted) return;
      const then = why === undefined ? await more.next?.(stop) : undefined;
      if (stop.aborted) return;
      if (then) push({ ...replica, stream: 'restarted', text: then.text });
      else push({ ...replica, stream: 'ended', text: why ?? gone });
      from = then?.open;
    }
  };
}

/** How often a followed container that exited is looked at while the engine restarts it. @defaultValue 250 */
const RESTART_LOOK_MS = 250;

/** Looks at a container that still says it runs the run whose log ended, before calling it ended. @defaultValue 8 */
const SAME_RUN_LOOKS = 8;

/** An Engine time (RFC 3339, nanoseconds) in nanoseconds since 1970, nothing rounded away; undefined for another text or Docker's zero time. */
export function engineNanos(time: string): bigint | undefined {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(time);
  const ms = m ? Date.parse(`${m[1]}${m[3]}`) : Number.NaN;
  return m && Number.isFinite(ms) && ms > 0 ? BigInt(ms) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0')) : undefined;
}

/** The Engine's `since` for a time in nanoseconds: `<seconds>.<nanoseconds>`. */
export function engineSince(nanos: bigint): string {
  return `${nanos / 1_000_000_000n}.${String(nanos % 1_000_000_000n).padStart(9, '0')}`;
}

/**
 * A source of `logs --follow` for a container, across the engine's restarts of it: when its log
 * stream ends because it exited and its restart policy brings it back (a crash loop), a
 * `restarted` line once it runs again, then its log from the last line shown on (each line once,
 * however many runs came between two looks); an `ended` line when it stopped for good (stopped by
 * hand, removed). `query` chooses the first run's lines. The lines are read with the engine's
 * timestamps (a frame is one message: its stamp is cut off before the line is read).
 */
export function followContainer(
  container: Docker.Container,
  query: { since?: number },
  replica: Omit<LogLine, 'stream' | 'text'>,
  gone: string,
  started?: string,
): FollowSource {
  /** When the run whose log is read started, as the engine says (to tell its next run). */
  let startedAt: string | undefined;
  /** The newest line read so far, and the one before which a stream opened again drops lines (its `since` keeps one stamped the same). */
  let last: bigint | undefined;
  let floor: bigint | undefined;
  const payload = (frame: Buffer) => {
    const space = frame.indexOf(0x20);
    const at = space > 0 ? engineNanos(frame.subarray(0, space).toString('latin1')) : undefined;
    if (at === undefined) return frame;
    if (floor !== undefined && at <= floor) return undefined;
    last = at;
    return frame.subarray(space + 1);
  };
  const logs = (from: object) => (stop: AbortSignal) =>
    container.logs({
      stdout: true,
      stderr: true,
      ...from,
      timestamps: true,
      follow: true,
      abortSignal: stop,
    }) as Promise<NodeJS.ReadableStream>;
  const look = () => container.inspect().catch(() => undefined);
  const first = async (stop: AbortSignal) => {
    startedAt = (await look())?.State.StartedAt;
    return logs(query)(stop);
  };
  const next: NextRun = async (stop) => {
    const since = last ?? (startedAt ? engineNanos(startedAt) : undefined);
    let exitCode: number | undefined;
    for (let sameRun = 0; startedAt && !stop.aborted; ) {
      const seen = await look();
      const state = seen?.State;
      if (!state) return undefined;
      if (state.Restarting) exitCode ??= state.ExitCode;
      // Another run since (running, or over already, or ended for good): its lines are read first.
      if (state.StartedAt !== startedAt) {
        startedAt = state.StartedAt;
        floor = last;
        const after = exitCode === undefined ? 'after it exited' : `after it exited with code ${exitCode}`;
        // The engine counts a restart when it decides on it: while it waits, the run seen is the one before.
        const restart = seen.RestartCount - (state.Restarting ? 1 : 0);
        return {
          text: `the engine restarted it ${after} (restart ${restart} of this replica); its lines follow`,
          open: logs(since === undefined ? {} : { since: engineSince(since) }),
        };
      }
      if (!state.Running && !state.Restarting) return undefined;
      // Running since the same time: the engine has not yet said that the run is over.
      if (!state.Restarting && ++sameRun >= SAME_RUN_LOOKS) return undefined;
      await new Promise((resolve) => setTimeout(resolve, RESTART_LOOK_MS));
    }
    return undefined;
  };
  return followEngineLog(first, replica, gone, { payload, next, ...(started ? { started } : {}) });
}
