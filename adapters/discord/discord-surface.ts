import { Routes, type APIMessage, type APIThreadChannel } from 'discord-api-types/v10';
import type { REST } from '@discordjs/rest';
import type { Reply, ThreadRef } from '../../src/core/types.ts';
import type { Logger } from '../../src/observability/logger.ts';
import type { ChatSurface, RelayLimits } from '../../src/relay/chat-surface.ts';
import { readLogTail } from '../../src/relay/read-log-tail.ts';
import { discordCall, discordCode } from './discord-call.ts';
import { DISCORD_LIMITS, discordRelayLimits } from './discord-limits.ts';
import { defuseFences, fitHead, fitTail } from './fit-text.ts';
import { renderMessage, type DiscordMessage } from './render-embeds.ts';
import type { ReplyTracker } from './reply-tracker.ts';

export interface DiscordSurfaceOptions {
  /** discord.js REST, rejecting (not waiting) when a /channels or /webhooks bucket is empty. */
  rest: REST;
  applicationId: string;
  log: Logger;
  tracker?: ReplyTracker;
  /** @defaultValue discordRelayLimits */
  limits?: RelayLimits;
  /** @defaultValue Date.now */
  now?: () => number;
}

/** Interaction tokens live 15 minutes; past this age the parent moves to an ordinary message before the token dies. @defaultValue 14 min */
export const TOKEN_SAFE_MS = 14 * 60_000;
/** Discord's interaction token lifetime: past it, the token is not even tried (a refusal counts toward the invalid-request ban). */
const TOKEN_LIFE_MS = 15 * 60_000;
/** Largest log file attached; a longer log keeps its tail. @defaultValue 8 MiB (Discord allows bots 10 MiB) */
export const MAX_LOG_BYTES = 8 * 1024 * 1024;
/** How long the relay waits for this process's own answer to an interaction before asking Discord. @defaultValue 5000 */
const ANSWER_WAIT_MS = 5000;
const DISCORD_EPOCH = 1_420_070_400_000n;
const EPHEMERAL = 64;
const CODE = { unknownMessage: 10008, invalidWebhookToken: 50027, threadExists: 160004, invalidChannelType: 50024 } as const;

const createdAt = (snowflake: string) => Number((BigInt(snowflake) >> 22n) + DISCORD_EPOCH);
const marker = (parent: string) => `· log thread: <#${parent}>`;

/**
 * The relay's side of Discord. The parent is the interaction's own answer, edited through the
 * interaction webhook while its token lives; before it expires (or when Discord says it has),
 * updates continue in an ordinary bot message in the channel that links the log thread, so a
 * long job never goes quiet. Log batches go to a public thread started from the parent (or to
 * the conversation itself when that already is a thread); the whole log is attached there at
 * the end. A job posted under another message (`meta.replyTo`: an approved request's job) has
 * its parent posted as a reply to that message, so the two read as one conversation. Every
 * call is one request; rate limits surface as RateLimitedError.
 */
export function createDiscordSurface(opts: DiscordSurfaceOptions): ChatSurface {
  const { rest, applicationId, log } = opts;
  const now = opts.now ?? Date.now;
  const kinds = new Map<string, 'webhook' | 'channel'>();
  const expired = new Set<string>();
  const continuations = new Map<string, string>();
  const logChannels = new Map<string, string>();
  const titles = new Map<string, string>();
  /** The parent's latest body, so a handover can happen between log batches too. */
  const bodies = new Map<string, DiscordMessage>();

  const usable = (meta: ThreadRef['meta']): meta is { interaction: string; token: string } =>
    !!meta?.interaction && !!meta.token && !expired.has(meta.token) && now() - createdAt(meta.interaction) < TOKEN_SAFE_MS;
  const webhookEdit = (token: string, message: string, body: unknown) =>
    discordCall<APIMessage>(() => rest.patch(Routes.webhookMessage(applicationId, token, message), { body, auth: false }));
  const channelEdit = (channel: string, message: string, body: unknown) =>
    discordCall<APIMessage>(() => rest.patch(Routes.channelMessage(channel, message), { body }));
  const channelPost = (channel: string, body: unknown, files?: Array<{ name: string; data: Buffer; contentType: string }>) =>
    discordCall<APIMessage>(() => rest.post(Routes.channelMessages(channel), { body, ...(files ? { files } : {}) }));
  const remember = (parent: string, reply: Reply) => {
    if (!titles.has(parent)) titles.set(parent, reply.title.replace(/:\s*[^:]*$/, ''));
  };

  /** Finds the continuation another process may have posted (after a takeover), by its marker. */
  async function findContinuation(channel: string, parent: string): Promise<string | undefined> {
    const recent = await discordCall<APIMessage[]>(() =>
      rest.get(Routes.channelMessages(channel), { query: new URLSearchParams({ limit: '50' }) }),
    );
    return recent.find((m) => m.author.bot && m.content.includes(marker(parent)))?.id;
  }

  async function continueParent(thread: ThreadRef & { parent: string }, body: DiscordMessage): Promise<void> {
    const meta = thread.meta;
    // After a takeover the handover may have happened already: then the token is left alone (it may be dead).
    const found = await findContinuation(thread.conversation, thread.parent);
    if (meta?.token && !expired.has(meta.token)) {
      // Hand over while the token still works: the first message says where updates went.
      expired.add(meta.token);
      if (!found && meta.interaction && now() - createdAt(meta.interaction) < TOKEN_LIFE_MS) {
        await webhookEdit(meta.token, thread.parent, {
          ...body,
          components: [],
          content: '↓ updates continue in a newer message below',
        }).catch(() => undefined);
      }
    }
    const content = `↪ continues the job's first message ${marker(thread.parent)}`;
    const id = found ?? (await channelPost(thread.conversation, { ...body, content })).id;
    if (found) await channelEdit(thread.conversation, found, body);
    continuations.set(thread.parent, id);
    log.info('discord parent continues in a bot message (interaction token expiring)', { parent: thread.parent, continuation: id });
  }

  /**
   * The relay edits the parent only when the job's state changes; a long stretch of log
   * batches must not outlast the token, so any call for a webhook parent past TOKEN_SAFE_MS
   * hands it over first.
   */
  async function handOverWhenDue(thread: ThreadRef & { parent: string }): Promise<void> {
    const body = bodies.get(thread.parent);
    if (!body || continuations.has(thread.parent) || kinds.get(thread.parent) !== 'webhook' || usable(thread.meta)) return;
    await continueParent(thread, body);
  }

  async function logChannel(thread: ThreadRef & { parent: string }): Promise<string> {
    const known = logChannels.get(thread.parent);
    if (known) return known;
    let channel = thread.parent;
    try {
      const name = fitHead(`${titles.get(thread.parent) ?? 'voxoz job'} · log`, DISCORD_LIMITS.threadName);
      channel = (
        await discordCall<APIThreadChannel>(() =>
          rest.post(Routes.threads(thread.conversation, thread.parent), { body: { name, auto_archive_duration: 1440 } }),
        )
      ).id;
    } catch (err) {
      const code = discordCode(err);
      if (code === CODE.invalidChannelType)
        channel = thread.conversation; // already in a thread: log there
      else if (code !== CODE.threadExists) throw err;
    }
    logChannels.set(thread.parent, channel);
    return channel;
  }

  return {
    platform: 'discord',
    limits: opts.limits ?? discordRelayLimits,

    async postParent(thread, reply) {
      const body = renderMessage({ ...reply, ephemeral: false });
      const meta = thread.meta;
      if (usable(meta)) {
        const hint = await opts.tracker?.wait(meta.interaction, ANSWER_WAIT_MS);
        if (!hint?.ephemeral) {
          try {
            const msg = await webhookEdit(meta.token, hint?.messageId ?? '@original', body);
            if (((msg.flags ?? 0) & EPHEMERAL) === 0) {
              kinds.set(msg.id, 'webhook');
              bodies.set(msg.id, body);
              remember(msg.id, reply);
              return msg.id;
            }
          } catch (err) {
            const code = discordCode(err);
            if (code === CODE.invalidWebhookToken) expired.add(meta.token);
            else if (code === CODE.unknownMessage && now() - createdAt(meta.interaction) < ANSWER_WAIT_MS)
              throw err; // not answered yet
            else if (code !== CODE.unknownMessage) throw err;
          }
        }
      }
      // `meta.replyTo`: a job posted under another message (an approved request's) answers it as a reply.
      const replyTo = thread.meta?.replyTo;
      const msg = await channelPost(
        thread.conversation,
        replyTo ? { ...body, message_reference: { message_id: replyTo, fail_if_not_exists: false } } : body,
      );
      kinds.set(msg.id, 'channel');
      remember(msg.id, reply);
      return msg.id;
    },

    async updateParent(thread, reply) {
      remember(thread.parent, reply);
      const body = renderMessage({ ...reply, ephemeral: false });
      bodies.set(thread.parent, body);
      const continuation = continuations.get(thread.parent);
      if (continuation) {
        await channelEdit(thread.conversation, continuation, body);
        return;
      }
      const kind = kinds.get(thread.parent) ?? (thread.meta?.interaction ? 'webhook' : 'channel');
      if (kind === 'channel') {
        await channelEdit(thread.conversation, thread.parent, body);
        return;
      }
      if (usable(thread.meta)) {
        try {
          await webhookEdit(thread.meta.token, thread.parent, body);
          kinds.set(thread.parent, 'webhook');
          return;
        } catch (err) {
          const code = discordCode(err);
          if (code === CODE.unknownMessage) {
            // the parent is an ordinary message (posted by another process)
            kinds.set(thread.parent, 'channel');
            await channelEdit(thread.conversation, thread.parent, body);
            return;
          }
          if (code !== CODE.invalidWebhookToken) throw err;
          expired.add(thread.meta.token);
        }
      }
      await continueParent(thread, body);
    },

    async postLog(thread, lines) {
      await handOverWhenDue(thread);
      const channel = await logChannel(thread);
      const content = `\`\`\`\n${fitTail(defuseFences(lines), DISCORD_LIMITS.content - 8)}\n\`\`\``;
      await channelPost(channel, { content, allowed_mentions: { parse: [] } });
    },

    async uploadLog(thread, file) {
      await handOverWhenDue(thread);
      const channel = await logChannel(thread);
      let data = await readLogTail(file, MAX_LOG_BYTES);
      const lines = file.lines;
      let note = `Full log: ${lines} line${lines === 1 ? '' : 's'}`;
      if (file.bytes > MAX_LOG_BYTES) {
        data = Buffer.concat([
          Buffer.from("… earlier output cut to fit Discord's upload limit …\n"),
          data.subarray(data.length - MAX_LOG_BYTES + 4096),
        ]);
        note += ` (the last ${Math.round(data.length / 1024)} KiB)`;
      }
      await channelPost(channel, { content: note, allowed_mentions: { parse: [] } }, [
        { name: file.name, data, contentType: 'text/plain' },
      ]);
    },

    async attach(thread, file) {
      await handOverWhenDue(thread);
      await channelPost(await logChannel(thread), { content: file.name, allowed_mentions: { parse: [] } }, [
        { name: file.name, data: file.data, contentType: file.contentType },
      ]);
    },

    async finish(thread) {
      for (const map of [kinds, continuations, logChannels, titles, bodies]) map.delete(thread.parent);
    },
  };
}
