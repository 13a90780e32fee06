import { DiscordAPIError, REST } from '@discordjs/rest';
import { MessageType, PermissionFlagsBits, Routes, type APIMessage } from 'discord-api-types/v10';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_BOT_PERMISSIONS, startDiscordSimulator, type DiscordSimulator } from '../support/discord-sim/index.ts';

/** Replies (`message_reference`) in the simulator, as Discord takes them: same channel, a live target, Read Message History. */
describe('discord-sim replies', () => {
  let sim: DiscordSimulator;
  let rest: REST;
  beforeAll(async () => {
    sim = await startDiscordSimulator();
    rest = new REST({ api: sim.apiUrl, retries: 0 }).setToken(sim.token);
  });
  afterAll(() => sim.close());
  const post = (body: unknown) => rest.post(Routes.channelMessages(sim.channelId), { body }) as Promise<APIMessage>;
  const refused = async (p: Promise<unknown>) => {
    const err = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DiscordAPIError);
    return err as DiscordAPIError;
  };

  it('links a reply to its target; an unknown target is refused unless fail_if_not_exists is false', async () => {
    const target = await post({ content: 'approval needed' });
    const reply = await post({ content: 'the job', message_reference: { message_id: target.id } });
    expect(reply).toMatchObject({
      type: MessageType.Reply,
      message_reference: { type: 0, message_id: target.id, channel_id: sim.channelId },
      referenced_message: { id: target.id, content: 'approval needed' },
    });
    const unknown = await refused(post({ content: 'x', message_reference: { message_id: '1234567' } }));
    expect([unknown.code, JSON.stringify(unknown.rawError)]).toEqual([50035, expect.stringContaining('MESSAGE_REFERENCE_UNKNOWN_MESSAGE')]);
    const plain = await post({ content: 'x', message_reference: { message_id: '1234567', fail_if_not_exists: false } });
    expect([plain.type, plain.message_reference]).toEqual([MessageType.Default, undefined]);
    expect((await refused(post({ content: 'x', message_reference: { message_id: 'abc' } }))).code).toBe(50035);
  });

  it('needs Read Message History to reply', async () => {
    const blind = await startDiscordSimulator({ botPermissions: DEFAULT_BOT_PERMISSIONS & ~PermissionFlagsBits.ReadMessageHistory });
    try {
      const r = new REST({ api: blind.apiUrl, retries: 0 }).setToken(blind.token);
      const target = (await r.post(Routes.channelMessages(blind.channelId), { body: { content: 't' } })) as APIMessage;
      const err = await refused(
        r.post(Routes.channelMessages(blind.channelId), { body: { content: 'r', message_reference: { message_id: target.id } } }),
      );
      expect([err.status, err.code]).toEqual([403, 50013]);
    } finally {
      await blind.close();
    }
  });
});
