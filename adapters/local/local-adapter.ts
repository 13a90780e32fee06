import type { ChatAdapter } from '../../src/core/chat-adapter.ts';
import type { AdapterDeps } from '../adapter-deps.ts';
import { LocalChat } from './local-chat.ts';
import { localRoutes } from './local-routes.ts';

/** The embedded chat: HTTP API, server-sent events and a web page on the shared server. */
export function createLocalAdapter({
  dispatcher,
  local,
}: AdapterDeps & { local: NonNullable<AdapterDeps['local']> }): ChatAdapter & { chat: LocalChat } {
  const chat = new LocalChat(local.threads);
  return {
    chat,
    surface: chat,
    mounts: localRoutes(chat, dispatcher, local.token, local.control, local.dashboard),
    start: () => chat.start(),
    stop: () => chat.stop(),
  };
}
