import type Docker from 'dockerode';
import type { Logger } from '../../observability/logger.ts';
import type { EngineEvent, EngineWatcher } from '../engine-events.ts';
import { LABEL } from './labels.ts';

/** One event as Engine API 1.41 streams it from GET /events. */
interface DockerEvent {
  Type?: string;
  Action?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
  time?: number;
  timeNano?: number;
}

/** The container events an alert can come from; `health_status: …` is matched by its prefix. */
const ACTIONS = ['die', 'oom', 'health_status', 'restart', 'start', 'kill'];

/**
 * Turns one engine event into a neutral one; undefined for anything else (another instance,
 * another action). `killed`: a `kill` event (a stop or kill through the API) came for this
 * container before its `die`.
 */
export function toEngineEvent(raw: DockerEvent, instance: string, killed = false): EngineEvent | undefined {
  const attrs = raw.Actor?.Attributes ?? {};
  if (raw.Type !== 'container' || attrs[LABEL.instance] !== instance) return undefined;
  const app = attrs[LABEL.app];
  const env = attrs[LABEL.env];
  if (!app || !env || !raw.Action) return undefined;
  const nano = raw.timeNano ?? (raw.time ?? 0) * 1e9;
  const base = {
    id: `${nano}:${raw.Actor?.ID ?? ''}:${raw.Action}`,
    app,
    env,
    replica: attrs.name ?? raw.Actor?.ID?.slice(0, 12) ?? '?',
    at: new Date(Math.floor(nano / 1e6)).toISOString(),
    ...(Number.isInteger(Number(attrs[LABEL.release] ?? 'x')) ? { release: Number(attrs[LABEL.release]) } : {}),
  };
  const [action, detail] = raw.Action.split(':').map((s) => s.trim());
  switch (action) {
    case 'die':
      return { ...base, type: 'died', exitCode: Number(attrs.exitCode ?? -1), requested: killed };
    case 'oom':
      return { ...base, type: 'oom' };
    case 'restart':
      return { ...base, type: 'restarted' };
    case 'start':
      return { ...base, type: 'started' };
    case 'health_status':
      return detail === 'healthy' || detail === 'unhealthy' || detail === 'starting'
        ? { ...base, type: 'health', status: detail }
        : undefined;
    default:
      return undefined;
  }
}

/**
 * Follows the engine's container events for the containers of installation `instance`
 * (filtered by the engine on its label) and hands each as a neutral EngineEvent. When the stream
 * ends or fails it reconnects after `retryMs`, from the time of the last event it delivered, so
 * nothing in between is lost (the events at that very instant come again: consumers count by id).
 */
export function watchDockerEvents(
  docker: Docker,
  instance: string,
  onEvent: (event: EngineEvent) => void,
  opts: { since?: Date; log?: Logger; retryMs?: number } = {},
): EngineWatcher {
  const retryMs = opts.retryMs ?? 1000;
  let stopped = false;
  let stream: NodeJS.ReadableStream | undefined;
  let wake: (() => void) | undefined;
  /** Containers a stop or kill was sent to: their next exit was asked for. */
  const killed = new Set<string>();
  /** Unix seconds with fraction, as `since` takes it. */
  let since = opts.since ? (opts.since.getTime() / 1000).toFixed(3) : undefined;

  const follow = async (): Promise<void> => {
    const s = (await docker.getEvents({
      ...(since ? { since } : {}),
      filters: { type: ['container'], label: [`${LABEL.instance}=${instance}`], event: ACTIONS },
    } as Docker.GetEventsOptions)) as NodeJS.ReadableStream;
    stream = s;
    if (stopped) (s as unknown as { destroy(): void }).destroy();
    let buffer = '';
    await new Promise<void>((resolve) => {
      s.on('data', (chunk: Buffer | string) => {
        buffer += chunk.toString();
        let nl = buffer.indexOf('\n');
        while (nl >= 0) {
          const line = buffer.slice(0, nl).trim();
          buffer = buffer.slice(nl + 1);
          nl = buffer.indexOf('\n');
          if (!line) continue;
          try {
            const raw = JSON.parse(line) as DockerEvent;
            if (raw.timeNano) since = (raw.timeNano / 1e9).toFixed(9);
            const container = raw.Actor?.ID ?? '';
            if (raw.Action === 'kill') killed.add(container);
            const event = toEngineEvent(raw, instance, raw.Action === 'die' && killed.delete(container));
            if (event) onEvent(event);
          } catch (err) {
            opts.log?.warn('engine event not understood', { line: line.slice(0, 200), err });
          }
        }
      });
      s.on('end', resolve);
      s.on('close', resolve);
      s.on('error', (err: Error) => {
        opts.log?.debug('engine event stream failed', { reason: err.message });
        resolve();
      });
    });
  };

  const loop = (async () => {
    while (!stopped) {
      await follow().catch((err: Error) => opts.log?.debug('engine events unavailable', { reason: err.message }));
      if (stopped) break;
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, retryMs);
      });
    }
  })();

  return {
    async close() {
      stopped = true;
      (stream as unknown as { destroy?(): void } | undefined)?.destroy?.();
      wake?.();
      await loop;
    },
  };
}
