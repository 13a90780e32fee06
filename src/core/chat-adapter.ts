import type { HttpMount } from '../http/http-server.ts';
import type { ChatSurface } from '../relay/chat-surface.ts';

/**
 * A chat platform plugged into voxoz: a surface the relay posts through, HTTP routes it
 * mounts on the shared server (if any), and a lifecycle (gateway or socket connections).
 */
export interface ChatAdapter {
  readonly surface: ChatSurface;
  readonly mounts: HttpMount[];
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Whether the platform's connection is up now (gateway, socket; an HTTP-only transport once started), for `/readyz`. @defaultValue always */
  connected?(): boolean;
}
