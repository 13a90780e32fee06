import { generateKeyPairSync, sign } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerText, discordEnv } from '../fixtures/discord/e2e-helpers.ts';
import { startDiscordSimulator, type DiscordSimulator } from '../support/discord-sim/index.ts';
import { ErrorCollector } from '../support/discord-sim/errors.ts';
import { validateModal } from '../support/discord-sim/validate-modal.ts';
import { startTestVoxoz, type TestVoxoz } from '../support/start-voxoz.ts';

/**
 * The Reject form over the optional HTTP interactions endpoint: the modal is the HTTP answer to
 * the Reject click, and the form's submission, another signed request, is answered privately.
 */
describe('Discord HTTP interactions: the Reject form', () => {
  const app = generateKeyPairSync('ed25519');
  let sim: DiscordSimulator;
  let voxoz: TestVoxoz | undefined;
  beforeAll(async () => {
    sim = await startDiscordSimulator({ heartbeatIntervalMs: 1000 });
    const publicKey = app.publicKey.export({ format: 'der', type: 'spki' }).subarray(-32).toString('hex');
    voxoz = await startTestVoxoz({ env: discordEnv(sim, { DISCORD_PUBLIC_KEY: publicKey }) });
  });
  afterAll(async () => {
    await voxoz?.close();
    await sim?.close();
  });

  const post = async (interaction: Record<string, unknown>) => {
    const body = JSON.stringify({
      application_id: sim.applicationId,
      token: 'tok',
      version: 1,
      guild_id: sim.guildId,
      context: 0,
      channel_id: sim.channelId,
      member: { user: { id: '100000000000000002', username: 'bob' } },
      ...interaction,
    });
    const timestamp = String(Math.floor(Date.now() / 1000));
    const signature = sign(null, Buffer.from(timestamp + body), app.privateKey).toString('hex');
    const res = await fetch(`${voxoz!.url}/discord/interactions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-signature-timestamp': timestamp, 'x-signature-ed25519': signature },
      body,
    });
    expect(res.status).toBe(200);
    return (await res.json()) as { type: number; data: Record<string, unknown> };
  };

  it('answers the Reject click with a valid modal, and its submission privately', async () => {
    const form = await post({ id: '7001', type: 3, data: { custom_id: 'vx:reject:apv-gone', component_type: 2 } });
    expect(form).toMatchObject({ type: 9, data: { custom_id: 'vxm:reject:apv-gone', title: 'Reject request' } });
    const errs = new ErrorCollector();
    expect(validateModal(form.data, errs).map((i) => i.customId)).toEqual(['reason']);
    expect(errs.count).toBe(0);

    const answer = await post({
      id: '7002',
      type: 5,
      data: {
        custom_id: 'vxm:reject:apv-gone',
        components: [{ type: 1, components: [{ type: 4, id: 2, custom_id: 'reason', value: 'too late' }] }],
      },
    });
    expect(answer.type).toBe(4);
    expect((answer.data.flags as number) & 64).toBe(64);
    expect(answerText(answer.data)).toMatch(/reject: unknown approval[\s\S]*there is no approval apv-gone/);
  });
});
