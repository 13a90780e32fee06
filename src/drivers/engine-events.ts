/**
 * What a runtime's engine reports about one replica, in neutral terms: the Docker driver reads
 * them from the engine's event stream (docker/watch-events.ts); the LING driver can report the
 * same from its toolstack. `id` is unique per engine event, so a consumer that hears an event
 * twice (a reconnect, two bot processes) can count it once.
 */
export type EngineEvent = {
  id: string;
  app: string;
  env: string;
  /** The replica's name (a container or domain name). */
  replica: string;
  /** The release the replica runs, when the engine says. */
  release?: number;
  /** ISO time the engine gave the event. */
  at: string;
} /** `requested`: it was stopped or killed through the engine (a deploy retiring it, `docker stop`), not by itself or the kernel. */ & (
  | { type: 'died'; exitCode: number; requested: boolean }
  | { type: 'oom' }
  | { type: 'health'; status: 'healthy' | 'unhealthy' | 'starting' }
  | { type: 'started' }
  | { type: 'restarted' }
);

export interface EngineWatcher {
  /** Stops following the engine; resolves once no more events are delivered. */
  close(): Promise<void>;
}

/** Follows an engine's events from `since` (reconnecting when the stream ends) until closed. */
export type WatchEngine = (onEvent: (event: EngineEvent) => void, opts?: { since?: Date }) => EngineWatcher;
