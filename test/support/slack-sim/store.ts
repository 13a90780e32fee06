/**
 * The simulated workspace's state: channels, users, messages (with threads and edit history),
 * uploaded files, ephemeral messages and response_url posts.
 */
import type { ResponseUrlPost, SimChannel, StoredEphemeral, StoredFile, StoredMessage, StoredView } from './types.ts';

/** A trigger_id Slack issued with a command, click or view submission: usable once, for 3 s (views.open). */
export interface IssuedTrigger {
  user: string;
  issuedAt: number;
  used: boolean;
}

/** Workspace state shared by the Web API handlers and the query helpers. */
export class Store {
  readonly channels = new Map<string, SimChannel>();
  readonly users = new Map<string, string>();
  private readonly byChannel = new Map<string, StoredMessage[]>();
  private readonly byKey = new Map<string, StoredMessage>();
  readonly files = new Map<string, StoredFile>();
  readonly ephemerals: StoredEphemeral[] = [];
  readonly responseUrls = new Map<string, ResponseUrlPost[]>();
  readonly triggers = new Map<string, IssuedTrigger>();
  readonly views = new Map<string, StoredView>();
  private lastMicros = 0;
  private seq = 0;

  constructor(
    channels: SimChannel[],
    users: Array<{ id: string; name: string }>,
    readonly botUserId: string,
  ) {
    for (const u of users) this.users.set(u.id, u.name);
    for (const c of channels) {
      this.channels.set(c.id, { ...c, members: [...(c.members ?? [...this.users.keys()]), botUserId] });
      this.byChannel.set(c.id, []);
    }
  }

  /** A fresh message ts: unique and strictly increasing, `seconds.micros`. */
  nextTs(): string {
    const now = Date.now() * 1000;
    this.lastMicros = Math.max(now, this.lastMicros + 1);
    const s = Math.floor(this.lastMicros / 1e6);
    return `${s}.${String(this.lastMicros % 1e6).padStart(6, '0')}`;
  }

  /** A fresh id with a prefix (F…, E…, R…). */
  nextId(prefix: string): string {
    this.seq += 1;
    return `${prefix}0SIM${String(this.seq).padStart(6, '0')}`;
  }

  /** Whether a user id is a member of a channel. */
  isMember(channel: string, user: string): boolean {
    return this.channels.get(channel)?.members?.includes(user) ?? false;
  }

  /** Stores a new message (top level or reply) and returns it. */
  addMessage(m: Omit<StoredMessage, 'ts' | 'edits' | 'fileIds'> & { fileIds?: string[] }): StoredMessage {
    const msg: StoredMessage = { ...m, ts: this.nextTs(), edits: [], fileIds: m.fileIds ?? [] };
    this.byChannel.get(m.channel)?.push(msg);
    this.byKey.set(`${m.channel}/${msg.ts}`, msg);
    return msg;
  }

  /** Any message (top level or reply) by channel and ts. */
  message(channel: string, ts: string): StoredMessage | undefined {
    return this.byKey.get(`${channel}/${ts}`);
  }

  /** Top-level messages of a channel (plus replies broadcast to it), oldest first. */
  messages(channel: string): StoredMessage[] {
    return (this.byChannel.get(channel) ?? []).filter((m) => m.threadTs === undefined || m.replyBroadcast);
  }

  /** Every message of a channel, replies included, oldest first. */
  allMessages(channel: string): StoredMessage[] {
    return [...(this.byChannel.get(channel) ?? [])];
  }

  /** Replies in the thread of parent `ts` (the parent excluded), oldest first. */
  thread(channel: string, ts: string): StoredMessage[] {
    return (this.byChannel.get(channel) ?? []).filter((m) => m.threadTs === ts);
  }

  /** Completed files shared in a channel, optionally only those in one thread. */
  filesIn(channel: string, threadTs?: string): StoredFile[] {
    return [...this.files.values()].filter((f) => f.channel === channel && (threadTs === undefined || f.threadTs === threadTs));
  }

  /** Records a body the app posted to a response_url. */
  addResponse(id: string, post: ResponseUrlPost): void {
    const list = this.responseUrls.get(id);
    if (list) list.push(post);
  }
}
