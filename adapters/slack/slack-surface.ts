import type { Readable } from 'node:stream';
import { webApi } from '@slack/bolt';
import type { Reply, ThreadRef } from '../../src/core/types.ts';
import type { Logger } from '../../src/observability/logger.ts';
import { RateLimitedError, type ChatSurface, type RelayLimits } from '../../src/relay/chat-surface.ts';
import { toBoltLogger } from './bolt-logger.ts';
import { fitTailLines } from './fit-text.ts';
import { renderBlocks, SLACK_LIMITS } from './render-blocks.ts';
import { slackRelayLimits } from './slack-limits.ts';

export interface SlackSurfaceOptions {
  botToken: string;
  /** Web API base; undefined means Slack's. */
  apiUrl?: string;
  log: Logger;
  /** @defaultValue slackRelayLimits */
  limits?: RelayLimits;
}

type Answer = { ok?: boolean; error?: string; ts?: string };

/**
 * The relay's side of Slack, on a Web API client of its own: `rejectRateLimitedCalls` and no
 * retries, so a 429 on log traffic becomes a RateLimitedError the relay waits out for that job
 * alone, and never pauses the client that answers commands. Every answer's `ok` is checked.
 */
export function createSlackSurface(opts: SlackSurfaceOptions): ChatSurface & { client: webApi.WebClient } {
  const client = new webApi.WebClient(opts.botToken, {
    ...(opts.apiUrl ? { slackApiUrl: opts.apiUrl } : {}),
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
    logger: toBoltLogger(opts.log),
  });
  const call = async <T extends Answer>(what: string, run: () => Promise<T>): Promise<T> => {
    let answer: T;
    try {
      answer = await run();
    } catch (err) {
      const e = err as { code?: string; retryAfter?: number };
      if (e.code === webApi.ErrorCode.RateLimitedError) throw new RateLimitedError(Math.max(1, e.retryAfter ?? 1) * 1000);
      throw err;
    }
    if (!answer.ok) throw new Error(`slack ${what} failed: ${answer.error ?? 'ok was false'}`);
    return answer;
  };
  /** One file into the job's thread (its whole log as a stream, or a file the job made). */
  const upload = async (thread: ThreadRef & { parent: string }, name: string, file: Readable | Buffer) => {
    await call(
      'files.uploadV2',
      () =>
        client.filesUploadV2({
          channel_id: thread.conversation,
          thread_ts: thread.meta?.replyTo ?? thread.parent,
          filename: name,
          title: name,
          file,
        }) as Promise<Answer>,
    );
  };
  return {
    platform: 'slack',
    limits: opts.limits ?? slackRelayLimits,
    client,
    async postParent(thread: ThreadRef, reply: Reply) {
      // `meta.replyTo`: a job posted into another job's thread (a system job) has its parent there, not in the channel.
      const replyTo = thread.meta?.replyTo;
      const res = await call('chat.postMessage', () =>
        client.chat.postMessage({ channel: thread.conversation, ...(replyTo ? { thread_ts: replyTo } : {}), ...renderBlocks(reply) }),
      );
      if (!res.ts) throw new Error('slack chat.postMessage answered without a ts');
      return res.ts;
    },
    async updateParent(thread, reply) {
      await call('chat.update', () => client.chat.update({ channel: thread.conversation, ts: thread.parent, ...renderBlocks(reply) }));
    },
    async postLog(thread, lines) {
      const text = `\`\`\`\n${fitTailLines(lines.replace(/```/g, "'''"), SLACK_LIMITS.messageText - 8)}\n\`\`\``;
      await call('chat.postMessage', () =>
        client.chat.postMessage({
          channel: thread.conversation,
          thread_ts: thread.meta?.replyTo ?? thread.parent,
          text,
          unfurl_links: false,
          unfurl_media: false,
        }),
      );
    },
    uploadLog: (thread, file) => upload(thread, file.name, file.open()),
    attach: (thread, file) => upload(thread, file.name, file.data),
  };
}
