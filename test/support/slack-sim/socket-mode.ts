/**
 * Socket Mode server: WebSocket connections opened with a single-use ticket from
 * apps.connections.open. Sends `hello` first, delivers envelopes and waits for their acks,
 * asks clients to reconnect with `disconnect`, and closes cleanly (server-side close awaited).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { SimContext } from './context.ts';
import type { EnvelopeType, SocketAck } from './types.ts';

interface Pending {
  resolve: (ack: SocketAck) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

/** Options of one envelope. */
export interface EnvelopeOptions {
  /** Default: true for slash_commands, false otherwise (as Slack does for block_actions/events). */
  acceptsResponsePayload?: boolean;
  retryAttempt?: number;
  retryReason?: string;
  /** Ack deadline; default the simulator's ackTimeoutMs (3000). */
  timeoutMs?: number;
}

/** Polls `cond` every 10 ms until true or `timeoutMs` passes (bounded). */
async function until(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`slack-sim: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The Socket Mode side of the simulator (reached as `sim.socket`). */
export class SocketHub {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 4 * 1024 * 1024 });
  private readonly open = new Set<WebSocket>();
  private readonly pending = new Map<string, Pending>();
  private total = 0;
  /** Messages from clients that were not acks of a pending envelope (late, duplicate, junk). */
  readonly strayMessages: unknown[] = [];
  /** Every ack received, in order. */
  readonly acks: SocketAck[] = [];

  constructor(private readonly ctx: SimContext) {}

  /** Accepts `GET /link/?ticket=…` upgrades carrying a ticket from apps.connections.open. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const ticket = url.searchParams.get('ticket') ?? '';
    if (url.pathname !== '/link/' || !this.ctx.tickets.delete(ticket)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws));
  }

  private onConnection(ws: WebSocket): void {
    this.open.add(ws);
    this.total += 1;
    const ping =
      this.ctx.config.serverPingMs > 0
        ? setInterval(() => ws.readyState === ws.OPEN && ws.ping(), this.ctx.config.serverPingMs).unref()
        : undefined;
    ws.on('message', (data, isBinary) => this.onMessage(data.toString(), isBinary));
    ws.on('error', () => undefined);
    ws.on('close', () => {
      clearInterval(ping);
      this.open.delete(ws);
    });
    ws.send(
      JSON.stringify({
        type: 'hello',
        num_connections: this.open.size,
        debug_info: { host: 'applink-sim-1', build_number: 1, approximate_connection_time: 18060 },
        connection_info: { app_id: this.ctx.config.apiAppId },
      }),
    );
  }

  private onMessage(text: string, isBinary: boolean): void {
    let msg: unknown;
    try {
      msg = isBinary ? undefined : JSON.parse(text);
    } catch {
      msg = undefined;
    }
    const id = (msg as { envelope_id?: unknown } | undefined)?.envelope_id;
    const p = typeof id === 'string' ? this.pending.get(id) : undefined;
    if (!p || typeof id !== 'string') {
      this.strayMessages.push(msg ?? text);
      return;
    }
    this.pending.delete(id);
    clearTimeout(p.timer);
    const payload = (msg as { payload?: unknown }).payload;
    const ack: SocketAck = payload === undefined ? { envelope_id: id } : { envelope_id: id, payload };
    this.acks.push(ack);
    p.resolve(ack);
  }

  /** Number of open connections now. */
  openConnections(): number {
    return this.open.size;
  }

  /** Number of connections accepted since start. */
  totalConnections(): number {
    return this.total;
  }

  /** Resolves once `total` connections have been accepted in all and one is open. */
  waitForConnection(total = 1, timeoutMs = 10_000): Promise<void> {
    return until(() => this.total >= total && this.open.size > 0, timeoutMs, `socket connection #${total}`);
  }

  /** Resolves once no connection is open (the server side saw every close). */
  waitForNoConnections(timeoutMs = 10_000): Promise<void> {
    return until(() => this.open.size === 0, timeoutMs, 'all sockets to close');
  }

  /**
   * Sends `{envelope_id, type, accepts_response_payload, payload}` to the newest open
   * connection and resolves with the ack `{envelope_id, payload?}`; rejects if no connection
   * is open or no ack arrives in time.
   */
  sendEnvelope(type: EnvelopeType, payload: unknown, opts: EnvelopeOptions = {}): Promise<SocketAck> {
    const ws = [...this.open].filter((s) => s.readyState === s.OPEN).pop();
    if (!ws) return Promise.reject(new Error('slack-sim: no open Socket Mode connection'));
    const envelopeId = randomUUID();
    const envelope = {
      envelope_id: envelopeId,
      type,
      payload,
      accepts_response_payload: opts.acceptsResponsePayload ?? type === 'slash_commands',
      ...(opts.retryAttempt !== undefined ? { retry_attempt: opts.retryAttempt, retry_reason: opts.retryReason ?? 'timeout' } : {}),
    };
    const timeoutMs = opts.timeoutMs ?? this.ctx.config.ackTimeoutMs;
    return new Promise<SocketAck>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(envelopeId);
        reject(new Error(`slack-sim: no ack for ${type} envelope ${envelopeId} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(envelopeId, { resolve, reject, timer });
      ws.send(JSON.stringify(envelope));
    });
  }

  /** Sends `{"type":"disconnect","reason":…}` to every open connection (clients then reconnect). */
  disconnect(reason = 'refresh_requested'): void {
    const msg = JSON.stringify({ type: 'disconnect', reason, debug_info: { host: 'applink-sim-1' } });
    for (const ws of this.open) if (ws.readyState === ws.OPEN) ws.send(msg);
  }

  /** Rejects pending acks, closes every socket (close frame, then terminate after 2 s) and waits. */
  async close(): Promise<void> {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new Error(`slack-sim closed before ack of ${id}`));
    }
    this.pending.clear();
    for (const ws of this.open) if (ws.readyState === ws.OPEN) ws.close(1001, 'simulator closing');
    await until(() => this.open.size === 0, 2_000, 'sockets to close').catch(() => {
      for (const ws of this.open) ws.terminate();
    });
    await until(() => this.open.size === 0, 2_000, 'sockets to terminate').catch(() => undefined);
    await new Promise<void>((r) => this.wss.close(() => r()));
  }
}
