import type { LoadedConfig } from '../src/config/load-config.ts';
import type { Settings } from '../src/config/read-settings.ts';
import type { ChatAdapter } from '../src/core/chat-adapter.ts';
import type { CommandRegistry } from '../src/dispatch/command-registry.ts';
import type { Dispatcher } from '../src/dispatch/dispatcher.ts';
import type { Logger } from '../src/observability/logger.ts';
import { createDiscordAdapter } from './discord/discord-adapter.ts';
import { createLocalAdapter } from './local/local-adapter.ts';
import type { LocalControl } from './local/local-routes.ts';
import { createSlackAdapter } from './slack/slack-adapter.ts';

export interface AdapterDeps {
  settings: Settings;
  dispatcher: Dispatcher;
  registry: CommandRegistry;
  config: () => LoadedConfig;
  log: Logger;
  /** The local API's per-install token, and what it may control. */
  local?: { token: string; control?: LocalControl };
}

/** The chat adapters this process runs: the local one always, Slack and Discord when their tokens are set. */
export function createAdapters(deps: AdapterDeps): ChatAdapter[] {
  if (!deps.local) throw new Error('the local adapter needs the local API token (ensureLocalToken)');
  const adapters: ChatAdapter[] = [createLocalAdapter({ ...deps, local: deps.local })];
  if (deps.settings.slack) adapters.push(createSlackAdapter({ slack: deps.settings.slack, dispatcher: deps.dispatcher, log: deps.log }));
  if (deps.settings.discord) adapters.push(createDiscordAdapter(deps));
  return adapters;
}
