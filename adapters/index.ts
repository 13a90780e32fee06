import type { AdapterDeps } from './adapter-deps.ts';
import type { ChatAdapter } from '../src/core/chat-adapter.ts';
import { createDiscordAdapter } from './discord/discord-adapter.ts';
import { createLocalAdapter } from './local/local-adapter.ts';
import { createSlackAdapter } from './slack/slack-adapter.ts';

/** The chat adapters this process runs: the local one always, Slack and Discord when their tokens are set. */
export function createAdapters(deps: AdapterDeps): ChatAdapter[] {
  if (!deps.local) throw new Error('the local adapter needs the local API token (ensureLocalToken)');
  const adapters: ChatAdapter[] = [createLocalAdapter({ ...deps, local: deps.local })];
  if (deps.settings.slack) adapters.push(createSlackAdapter({ slack: deps.settings.slack, dispatcher: deps.dispatcher, log: deps.log }));
  if (deps.settings.discord) adapters.push(createDiscordAdapter(deps));
  return adapters;
}
