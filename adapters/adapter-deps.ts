import type { LoadedConfig } from '../src/config/load-config.ts';
import type { Settings } from '../src/config/read-settings.ts';
import type { CommandRegistry } from '../src/dispatch/command-registry.ts';
import type { Dispatcher } from '../src/dispatch/dispatcher.ts';
import type { Logger } from '../src/observability/logger.ts';
import type { Dashboard } from '../src/dashboard/dashboard.ts';
import type { LocalChatDeps } from './local/local-chat.ts';
import type { LocalControl } from './local/local-routes.ts';

/** What every adapter is built from, by the composition root (its own file, so adapters need not import the list of adapters). */
export interface AdapterDeps {
  settings: Settings;
  dispatcher: Dispatcher;
  registry: CommandRegistry;
  config: () => LoadedConfig;
  log: Logger;
  /** The local API's per-install token, and what it may control. */
  local?: { token: string; control?: LocalControl; threads: LocalChatDeps; dashboard?: Dashboard };
}
