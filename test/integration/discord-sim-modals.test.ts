import { once } from 'node:events';
import {
  Client,
  DiscordAPIError,
  Events,
  GatewayIntentBits,
  Routes,
  type ButtonInteraction,
  type ModalSubmitInteraction,
  type TextChannel,
} from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDiscordSimulator, type DiscordSimulator } from '../support/discord-sim/index.ts';

/*
 * The simulator's modals with the real discord.js: a modal callback (9) is checked as Discord
 * checks it, and its submission (interaction type 5) arrives on the gateway as discord.js's
 * ModalSubmitInteraction, carrying what was typed and the message the button was on.
 */
function within<T>(p: Promise<T>, ms = 5000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms)));
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

const input = (over: Record<string, unknown> = {}) => ({
  type: 4,
  custom_id: 'reason',
  style: 2,
  label: 'Reason',
  required: false,
  max_length: 50,
  ...over,
});
const row = (c: Record<string, unknown>) => ({ type: 1, components: [c] });
const modal = (over: Record<string, unknown> = {}) => ({
  custom_id: 'vxm:reject:apv-1',
  title: 'Reject',
  components: [row(input())],
  ...over,
});

describe('discord-sim modals with real discord.js', () => {
  let sim: DiscordSimulator;
  let client: Client;
  let message: { id: string };
  beforeAll(async () => {
    sim = await startDiscordSimulator({ heartbeatIntervalMs: 500 });
    client = new Client({
      intents: [GatewayIntentBits.Guilds],
      rest: { api: sim.apiUrl, retries: 0, makeRequest: (url, init) => fetch(url, init as RequestInit) as never },
    });
    const ready = once(client, Events.ClientReady);
    await client.login(sim.token);
    await within(ready);
    const channel = client.channels.cache.get(sim.channelId) as TextChannel;
    message = await channel.send({
      content: 'Roll back?',
      components: [{ type: 1, components: [{ type: 2, style: 4, label: 'Reject', custom_id: 'vx:reject:apv-1' }] }],
    });
  });
  afterAll(async () => {
    await client?.destroy();
    await sim?.close();
  });

  const click = async (user = { id: '100000000000000002', username: 'bob' }) => {
    const got = once(client, Events.InteractionCreate);
    const sent = sim.sendInteraction({ kind: 'button', customId: 'vx:reject:apv-1', messageId: message.id, user });
    const [i] = (await within(got)) as [ButtonInteraction];
    return { sent, i };
  };
  const callback = (sent: { id: string; token: string }, body: unknown) =>
    client.rest.post(Routes.interactionCallback(sent.id, sent.token), { body, auth: false });
  const refused = async (sent: { id: string; token: string }, data: unknown) => {
    const err = await callback(sent, { type: 9, data }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DiscordAPIError);
    return (err as DiscordAPIError).rawError;
  };

  it('refuses a modal outside the limits, and keeps the interaction unanswered until a valid one', async () => {
    const { sent } = await click();
    const cases: Array<[unknown, string]> = [
      [modal({ title: 't'.repeat(46) }), 'title'],
      [modal({ custom_id: 'c'.repeat(101) }), 'custom_id'],
      [modal({ components: [] }), 'components'],
      [modal({ components: Array.from({ length: 6 }, (_, n) => row(input({ custom_id: `r${n}` }))) }), 'components'],
      [modal({ components: [{ type: 1, components: [input(), input({ custom_id: 'other' })] }] }), 'components'],
      [modal({ components: [row({ type: 2, style: 1, label: 'b', custom_id: 'b' })] }), 'type'],
      [modal({ components: [row(input({ label: 'l'.repeat(46) }))] }), 'label'],
      [modal({ components: [row(input({ style: 3 }))] }), 'style'],
      [modal({ components: [row(input({ max_length: 4001 }))] }), 'max_length'],
      [modal({ components: [row(input({ min_length: 10, max_length: 5 }))] }), 'min_length'],
      [modal({ components: [row(input({ placeholder: 'p'.repeat(101) }))] }), 'placeholder'],
      [modal({ components: [row(input()), row(input())] }), 'custom_id'],
    ];
    for (const [data, field] of cases) {
      const raw = await refused(sent, data);
      expect(raw).toMatchObject({ code: 50035 });
      expect(JSON.stringify(raw)).toContain(`"${field}"`);
    }
    expect(sim.interactionResponse(sent.id)).toBeUndefined();
    expect(() => sim.sendInteraction({ kind: 'modal-submit', from: sent.id })).toThrow(/opened no modal/);
    await callback(sent, { type: 9, data: modal() });
    expect(sim.modal(sent.id)).toMatchObject({
      customId: 'vxm:reject:apv-1',
      submitted: false,
      inputs: [{ customId: 'reason', required: false, maxLength: 50 }],
    });
  });

  it('delivers the submission on the gateway as a ModalSubmitInteraction, once, and only as its user could send it', async () => {
    const { sent, i } = await click();
    await i.showModal(modal() as never);
    expect(sim.interactionResponse(sent.id)?.type).toBe(9);
    expect(() => sim.sendInteraction({ kind: 'modal-submit', from: sent.id, values: { reason: 'r'.repeat(51) } })).toThrow(
      /0\.\.50 characters/,
    );
    expect(() => sim.sendInteraction({ kind: 'modal-submit', from: sent.id, values: { nope: 'x' } })).toThrow(/no text input "nope"/);
    expect(() =>
      sim.sendInteraction({ kind: 'modal-submit', from: sent.id, user: { id: '100000000000000001', username: 'alice' } }),
    ).toThrow(/shown to/);

    const got = once(client, Events.InteractionCreate);
    const submit = sim.sendInteraction({ kind: 'modal-submit', from: sent.id, values: { reason: 'v5 has the login bug' } });
    const [m] = (await within(got)) as [ModalSubmitInteraction];
    expect([m.isModalSubmit(), m.customId, m.fields.getTextInputValue('reason'), m.message?.id, m.user.id]).toEqual([
      true,
      'vxm:reject:apv-1',
      'v5 has the login bug',
      message.id,
      '100000000000000002',
    ]);
    expect(() => sim.sendInteraction({ kind: 'modal-submit', from: sent.id })).toThrow(/submitted already/);
    // A modal submit cannot answer with another modal; it answers with a message (here ephemeral).
    expect((await callback(submit, { type: 9, data: modal() }).catch((e: DiscordAPIError) => e)) as DiscordAPIError).toMatchObject({
      code: 50035,
    });
    await m.reply({ content: 'Rejected.', flags: 64 });
    expect(await sim.waitForResponse(submit.id)).toMatchObject({ type: 4, data: { content: 'Rejected.', flags: 64 } });
  });

  it('a required input cannot be submitted empty; an optional one arrives as ""', async () => {
    const first = await click();
    await first.i.showModal(modal({ components: [row(input({ required: true }))] }) as never);
    expect(() => sim.sendInteraction({ kind: 'modal-submit', from: first.sent.id })).toThrow(/"Reason" is required/);
    const second = await click();
    await second.i.showModal(modal() as never);
    const got = once(client, Events.InteractionCreate);
    sim.sendInteraction({ kind: 'modal-submit', from: second.sent.id });
    const [m] = (await within(got)) as [ModalSubmitInteraction];
    expect(m.fields.getTextInputValue('reason')).toBe('');
  });
});
