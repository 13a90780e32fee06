import { Client, GatewayIntentBits } from 'discord.js';

export interface DiscordClientOptions {
  token: string;
  /** REST base; undefined means Discord's. */
  apiUrl?: string;
  /** REST retries on 5xx and network errors. @defaultValue 3 */
  retries?: number;
}

/**
 * The discord.js client voxoz runs: the Guilds intent only (no privileged intents), REST on a
 * fetch of its own (discord.js's bundled undici fails uploads once Bolt's undici owns the global
 * dispatcher), and REST that rejects instead of waiting when a /channels or /webhooks bucket is
 * empty: those are the relay's routes, and the relay waits per job (RateLimitedError) rather
 * than stalling every job behind one bucket. Interaction callbacks still wait, as they must answer.
 */
export function createDiscordClient(opts: DiscordClientOptions): Client {
  const client = new Client({
    intents: [GatewayIntentBits.Guilds],
    rest: {
      ...(opts.apiUrl ? { api: opts.apiUrl } : {}),
      retries: opts.retries ?? 3,
      makeRequest: (url, init) => fetch(url, init as RequestInit) as never,
      rejectOnRateLimit: (data) => data.route.startsWith('/channels') || data.route.startsWith('/webhooks'),
    },
  });
  client.rest.setToken(opts.token);
  return client;
}
