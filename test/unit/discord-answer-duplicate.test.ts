import { describe, expect, it } from 'vitest';
import { commands } from '../../commands/index.ts';
import { answerInteraction, type InteractionResponder } from '../../adapters/discord/answer-interaction.ts';
import { createReplyTracker } from '../../adapters/discord/reply-tracker.ts';
import { validateConfig } from '../../src/config/load-config.ts';
import { createRegistry } from '../../src/dispatch/command-registry.ts';
import type { Dispatcher, Outcome } from '../../src/dispatch/dispatcher.ts';
import { silentLogger } from '../../src/observability/logger.ts';

/**
 * Every bot on the gateway receives every interaction; the one whose enqueue came first answers,
 * and that answer is the job's parent. Whichever bot's relay then takes the job must edit that
 * answer through the interaction's token, not post a second message: the tracker of a bot that
 * did not answer says "answered, not ephemeral" (two bots, one Discord channel, CI caught a
 * second post, with the first left saying "queued"). Our own dispatcher is a double here.
 */
const raw = {
  id: '1578316049500213275',
  application_id: '77',
  token: 'tok',
  type: 2,
  guild_id: 'G1',
  channel_id: 'C1',
  member: { user: { id: '42', username: 'bob' } },
  data: { id: '9', name: 'voxoz', type: 1, options: [{ type: 1, name: 'status', options: [{ name: 'app', type: 3, value: 'hello' }] }] },
};
const config = validateConfig({ apps: [{ name: 'hello', source: { path: '/nonexistent' }, port: 18080 }] }, '/etc/voxoz/voxoz.yml');

const answerWith = async (outcome: Outcome) => {
  const tracker = createReplyTracker();
  const calls: string[] = [];
  const respond: InteractionResponder = {
    callback: async (body) => {
      calls.push(`callback ${body.type}`);
      return { messageId: 'M1' };
    },
    editOriginal: async () => {
      calls.push('editOriginal');
    },
  };
  const dispatcher = { handle: async () => outcome, now: () => new Date() } as unknown as Dispatcher;
  await answerInteraction(raw as never, respond, {
    dispatcher,
    registry: createRegistry(commands),
    config: () => config,
    log: silentLogger,
    tracker,
  });
  return { calls, hint: await tracker.wait(raw.id, 10) };
};
const queued = (duplicate: boolean): Outcome => ({
  type: 'queued',
  jobId: 'discord-1',
  duplicate,
  reply: { title: 'status hello: queued', status: 'queued' },
});

describe('a Discord command answered by another bot', () => {
  it('is not answered here, and the relay here is told the answer is a public message to edit', async () => {
    const { calls, hint } = await answerWith(queued(true));
    expect(calls).toEqual([]);
    expect(hint).toEqual({ ephemeral: false });
  });

  it('the bot that queued it answers publicly, with the message id its relay edits', async () => {
    const { calls, hint } = await answerWith(queued(false));
    expect(calls).toEqual(['callback 4']);
    expect(hint).toEqual({ ephemeral: false, messageId: 'M1' });
  });

  it('an answer that is not a job (help, a refusal) is ephemeral: a relay posts its own parent', async () => {
    const { calls, hint } = await answerWith({ type: 'answer', reply: { title: 'status: refused', status: 'error' } });
    expect(calls).toEqual(['callback 4']);
    expect(hint).toEqual({ ephemeral: true });
  });
});
