import type { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { WebSocketServer, WebSocket } from 'ws';
import { GatewayOpcodes, type GatewayReadyDispatchData, type ApplicationFlags } from 'discord-api-types/v10';
import { botUser, guildCreate } from './entities.ts';
import type { SimContext } from './store.ts';
import type { DispatchRecord, GatewayStats } from './types.ts';
import type { APITextChannel, APIThreadChannel } from 'discord-api-types/v10';

/** Privileged intents: GuildMembers, GuildPresences, MessageContent. */
const PRIVILEGED = (1 << 1) | (1 << 8) | (1 << 15);
/** Close codes after which Discord drops the session (the client must IDENTIFY again). */
const SESSION_ENDING = new Set([1000, 1001, 4004, 4007, 4009, 4010, 4011, 4012, 4013, 4014]);
const HISTORY_CAP = 5000;

interface Session {
  id: string;
  seq: number;
  intents: number;
  history: Array<{ s: number; t: string; d: unknown }>;
  conn?: Conn;
}

interface Conn {
  ws: WebSocket;
  session?: Session;
  lastBeat: number;
  watchdog?: NodeJS.Timeout;
}

/** Options the gateway needs besides the shared context. */
export interface GatewayOptions {
  heartbeatIntervalMs: number;
  privilegedIntents: number;
  events: EventEmitter;
  /** ws URL (no query) of `/gateway`; the resume URL is `<url>/resume`. */
  url: () => string;
}

/**
 * The gateway WebSocket (JSON, no compression): HELLO → IDENTIFY → READY + GUILD_CREATE,
 * heartbeat ACKs, sequence numbers, RESUME with replay, op 7 / op 9 / close codes on demand.
 */
export class SimGateway {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly conns = new Set<Conn>();
  readonly sessions = new Map<string, Session>();
  readonly dispatches: DispatchRecord[] = [];
  readonly stats = { connections: 0, identifies: 0, resumes: 0, heartbeats: 0 };

  constructor(
    private readonly ctx: SimContext,
    private readonly opts: GatewayOptions,
  ) {}

  /** Handles an HTTP upgrade on `/gateway` or `/gateway/resume` (needs `?v=10&encoding=json`). */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== '/gateway' && url.pathname !== '/gateway/resume') {
      socket.destroy();
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, url.searchParams));
  }

  private onConnection(ws: WebSocket, query: URLSearchParams): void {
    const conn: Conn = { ws, lastBeat: Date.now() };
    this.conns.add(conn);
    this.stats.connections += 1;
    this.opts.events.emit('connection');
    ws.on('close', (code) => this.onClose(conn, code));
    ws.on('error', () => undefined);
    ws.on('message', (raw, isBinary) => this.onMessage(conn, raw.toString(), isBinary));
    if (query.get('v') !== '10') return void ws.close(4012, 'Invalid API version.');
    if (query.get('encoding') !== 'json') return void ws.close(4002, 'Error while decoding payload.');
    if (query.has('compress')) return void ws.close(4002, 'Transport compression is not simulated.');
    const interval = this.opts.heartbeatIntervalMs;
    this.send(conn, { op: GatewayOpcodes.Hello, d: { heartbeat_interval: interval }, s: null, t: null });
    const limit = interval * 2 + 1000; // Discord closes zombie connections that stop heartbeating
    conn.watchdog = setInterval(() => {
      if (Date.now() - conn.lastBeat > limit) ws.close(4009, 'Session timed out.');
    }, interval).unref();
  }

  private onClose(conn: Conn, code: number): void {
    if (conn.watchdog) clearInterval(conn.watchdog);
    this.conns.delete(conn);
    const s = conn.session;
    if (s && s.conn === conn) {
      s.conn = undefined;
      if (SESSION_ENDING.has(code)) this.sessions.delete(s.id);
    }
    this.opts.events.emit('close', code);
  }

  private send(conn: Conn, payload: unknown): void {
    if (conn.ws.readyState === WebSocket.OPEN) conn.ws.send(JSON.stringify(payload));
  }

  private onMessage(conn: Conn, text: string, isBinary: boolean): void {
    let p: { op?: unknown; d?: unknown };
    try {
      if (isBinary) throw new Error('binary');
      p = JSON.parse(text) as { op?: unknown; d?: unknown };
    } catch {
      return void conn.ws.close(4002, 'Error while decoding payload.');
    }
    const d = (p.d ?? {}) as Record<string, unknown>;
    switch (p.op) {
      case GatewayOpcodes.Heartbeat:
        this.stats.heartbeats += 1;
        conn.lastBeat = Date.now();
        this.opts.events.emit('heartbeat');
        return this.send(conn, { op: GatewayOpcodes.HeartbeatAck });
      case GatewayOpcodes.Identify:
        return this.identify(conn, d);
      case GatewayOpcodes.Resume:
        return this.resume(conn, d);
      case GatewayOpcodes.PresenceUpdate:
      case GatewayOpcodes.VoiceStateUpdate:
      case GatewayOpcodes.RequestGuildMembers:
        if (!conn.session) conn.ws.close(4003, 'Not authenticated.');
        return;
      default:
        conn.ws.close(4001, 'Unknown opcode.');
    }
  }

  private tokenOk(t: unknown): boolean {
    return t === this.ctx.token || t === `Bot ${this.ctx.token}`;
  }

  private identify(conn: Conn, d: Record<string, unknown>): void {
    if (conn.session) return void conn.ws.close(4005, 'Already authenticated.');
    if (!this.tokenOk(d.token)) return void conn.ws.close(4004, 'Authentication failed.');
    const intents = d.intents;
    if (typeof intents !== 'number' || !Number.isInteger(intents) || intents < 0) return void conn.ws.close(4013, 'Invalid intent(s).');
    if ((intents & PRIVILEGED & ~this.opts.privilegedIntents) !== 0) return void conn.ws.close(4014, 'Disallowed intent(s).');
    const shard = d.shard;
    if (shard !== undefined && (!Array.isArray(shard) || shard[0] !== 0 || shard[1] !== 1))
      return void conn.ws.close(4010, 'Invalid shard.');
    const session: Session = { id: randomBytes(16).toString('hex'), seq: 0, intents, history: [], conn };
    conn.session = session;
    this.sessions.set(session.id, session);
    this.stats.identifies += 1;
    const w = this.ctx.world;
    const ready = {
      v: 10,
      user: botUser(w),
      guilds: [{ id: w.guildId, unavailable: true }], // as Discord: the guild follows in GUILD_CREATE
      session_id: session.id,
      resume_gateway_url: `${this.opts.url()}/resume`,
      shard: [0, 1],
      application: { id: w.applicationId, flags: 0 as ApplicationFlags, flags_new: '0' },
    } satisfies GatewayReadyDispatchData;
    this.sendDispatch(session, 'READY', ready);
    const channels = [...this.ctx.store.channels.values()];
    const text = channels.filter((c): c is APITextChannel => c.type === 0);
    const threads = channels.filter((c): c is APIThreadChannel => c.type === 11 && !c.thread_metadata?.archived);
    this.sendDispatch(session, 'GUILD_CREATE', guildCreate(w, text, threads));
    this.opts.events.emit('identify', session.id);
  }

  private resume(conn: Conn, d: Record<string, unknown>): void {
    if (!this.tokenOk(d.token)) return void conn.ws.close(4004, 'Authentication failed.');
    const session = this.sessions.get(String(d.session_id));
    const seq = typeof d.seq === 'number' ? d.seq : -1;
    if (!session || seq > session.seq || (conn.session && conn.session !== session)) {
      return this.send(conn, { op: GatewayOpcodes.InvalidSession, d: false });
    }
    if (session.conn && session.conn !== conn) session.conn.ws.close(4000, 'Session resumed elsewhere.');
    session.conn = conn;
    conn.session = session;
    for (const e of session.history) if (e.s > seq) this.send(conn, { op: 0, t: e.t, s: e.s, d: e.d });
    this.stats.resumes += 1;
    this.sendDispatch(session, 'RESUMED', {});
    this.opts.events.emit('resume', session.id);
  }

  private sendDispatch(session: Session, t: string, d: unknown): void {
    session.seq += 1;
    const entry = { s: session.seq, t, d };
    session.history.push(entry);
    if (session.history.length > HISTORY_CAP) session.history.shift();
    const open = session.conn?.ws.readyState === WebSocket.OPEN;
    this.dispatches.push({ ...entry, sessionId: session.id, delivered: open });
    if (open && session.conn) this.send(session.conn, { op: 0, ...entry });
    this.opts.events.emit('dispatch', t, d);
  }

  /** Dispatches to every live or resumable session whose intents include `intent` (if given). */
  dispatch(t: string, d: unknown, intent?: number): number {
    let n = 0;
    for (const s of this.sessions.values()) {
      if (intent === undefined || (s.intents & intent) !== 0) {
        this.sendDispatch(s, t, d);
        n += 1;
      }
    }
    return n;
  }

  /** Sends op 7 Reconnect; the client should close and RESUME on `resume_gateway_url`. */
  requestReconnect(): void {
    for (const c of this.conns) if (c.session) this.send(c, { op: GatewayOpcodes.Reconnect, d: null });
  }

  /** Sends op 9 Invalid Session; when not resumable the session is dropped (client must IDENTIFY). */
  invalidateSession(resumable: boolean): void {
    for (const c of this.conns) {
      if (!c.session) continue;
      if (!resumable) {
        this.sessions.delete(c.session.id);
        c.session = undefined;
      }
      this.send(c, { op: GatewayOpcodes.InvalidSession, d: resumable });
    }
  }

  /** Closes every socket with `code` (4000 resumable; 4004/4014 fatal; 4007/4009 end the session). */
  closeWith(code: number, reason = 'closed by simulator'): void {
    for (const c of this.conns) c.ws.close(code, reason);
  }

  /** Counters plus the number of open, authenticated sockets. */
  getStats(): GatewayStats {
    let open = 0;
    for (const c of this.conns) if (c.session && c.ws.readyState === WebSocket.OPEN) open += 1;
    return { ...this.stats, open };
  }

  /** Terminates all sockets and the server; clears watchdogs. */
  async close(): Promise<void> {
    for (const c of this.conns) {
      if (c.watchdog) clearInterval(c.watchdog);
      c.ws.terminate();
    }
    this.conns.clear();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}
