import type { Logger } from '../src/observability/logger.ts';
import type { ChatSurface } from '../src/relay/chat-surface.ts';
import type { RedisKeys } from '../src/store/keys.ts';
import { streamBuild, type StreamedBuild } from './stream-build.ts';

/** A fake Slack build streamed through the real relay into `channel` (see stream-build.ts). */
export function streamSlackBuild(opts: {
  redisUrl: string;
  keys: RedisKeys;
  surface: ChatSurface;
  channel: string;
  lines: number;
  buildMs: number;
  log: Logger;
  jobId?: string;
}): Promise<StreamedBuild> {
  return streamBuild({
    ...opts,
    thread: { conversation: opts.channel },
    requestedBy: { id: 'slack:T0SIM0001/U0ALICE', name: 'alice' },
    line: (i) => `#${i + 1} [build ${String(i % 17).padStart(2, '0')}/17] compiling module_${i} <ok> & cached`,
  });
}
