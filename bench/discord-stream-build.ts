import { once } from 'node:events';
import { Routes } from 'discord-api-types/v10';
import { Events } from 'discord.js';
import { Redis } from 'ioredis';
import { commandDefinitions } from '../adapters/discord/command-definitions.ts';
import { createDiscordClient } from '../adapters/discord/discord-client.ts';
import { createDiscordSurface } from '../adapters/discord/discord-surface.ts';
import { registerCommands } from '../adapters/discord/register-commands.ts';
import { commands } from '../commands/index.ts';
import type { Logger } from '../src/observability/logger.ts';
import { redisKeys } from '../src/store/keys.ts';
import { startDiscordSimulator } from '../test/support/discord-sim/index.ts';
import type { RecordedCall } from '../test/support/discord-sim/types.ts';
import { streamBuild } from './stream-build.ts';

export interface DiscordBuildResult {
  /** REST calls the relay made for the job (the interaction's own answer excluded). */
  calls: RecordedCall[];
  breaches: number;
  invalidRequests: number;
  buildMs: number;
  relayedMs: number;
  parent: string;
  parentText: string;
  threadBatches: number;
  logFile: string;
}

/**
 * Plays a fake build of `lines` log lines over `buildMs` into a job stream (as a worker would,
 * through createJobStreamWriter) and runs the real relay with the real Discord surface
 * against the Discord simulator, the parent being a real interaction's answer, until the job
 * is fully relayed. Shared by test/e2e/discord-10k-build.test.ts and bench/discord-bench.ts.
 */
export async function streamDiscordBuild(opts: {
  redisUrl: string;
  lines: number;
  buildMs: number;
  log: Logger;
}): Promise<DiscordBuildResult> {
  const sim = await startDiscordSimulator({ heartbeatIntervalMs: 1000 });
  const client = createDiscordClient({ token: sim.token, apiUrl: sim.apiUrl, retries: 0 });
  const redis = new Redis(opts.redisUrl);
  const keys = redisKeys(`dbuild-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`);
  try {
    const ready = once(client, Events.ClientReady);
    await client.login(sim.token);
    await ready;
    await registerCommands(client.rest, sim.applicationId, commandDefinitions(commands));
    const sent = sim.sendInteraction({ kind: 'command', name: 'voxoz', subcommand: 'deploy', options: { app: 'hello' } });
    await client.rest.post(Routes.interactionCallback(sent.id, sent.token), {
      auth: false,
      body: { type: 4, data: { content: 'deploy big: queued' } },
    });
    const firstRelayCall = sim.calls.length;
    const surface = createDiscordSurface({ rest: client.rest, applicationId: sim.applicationId, log: opts.log });
    const {
      jobId: id,
      buildMs,
      relayedMs,
    } = await streamBuild({
      redisUrl: opts.redisUrl,
      keys,
      surface,
      lines: opts.lines,
      buildMs: opts.buildMs,
      log: opts.log,
      jobId: `discord-${sent.id}`,
      thread: { conversation: sim.channelId, meta: { interaction: sent.id, token: sent.token } },
      requestedBy: { id: 'discord:100000000000000001', name: 'alice' },
      line: (i) => `#${i + 1} [build ${String(i % 17).padStart(2, '0')}/17] compiling módulo_${i} ✓ @everyone <ok>`,
    });
    const parent = (await redis.hget(keys.job(id), 'parent'))!;
    const thread = sim.messages(parent);
    const file = thread.find((m) => m.attachments.length > 0);
    const current = sim.message(parent)!.current;
    return {
      calls: sim.calls.slice(firstRelayCall),
      breaches: sim.breaches(),
      invalidRequests: sim.invalidRequests(),
      buildMs,
      relayedMs,
      parent,
      parentText: current.embeds.map((e) => `${e.title ?? ''}\n${e.description ?? ''}`).join('\n'),
      threadBatches: thread.filter((m) => m.attachments.length === 0).length,
      logFile: file ? sim.attachments(file.id)[0]!.bytes.toString('utf8') : '',
    };
  } finally {
    redis.disconnect();
    await client.destroy();
    await sim.close();
  }
}
