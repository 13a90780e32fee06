import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startDiscordSimulator, type DiscordSimulator } from '../support/discord-sim/index.ts';
import { startTestVoxoz, type TestVoxoz } from '../support/start-voxoz.ts';
import { answerText, discordEnv, jobIds } from '../fixtures/discord/e2e-helpers.ts';

const keys = () => generateKeyPairSync('ed25519');
const rawPublicKey = (k: KeyObject) => k.export({ format: 'der', type: 'spki' }).subarray(-32).toString('hex');

/** The optional HTTP interactions endpoint: verified with node:crypto Ed25519 before anything is parsed. */
describe('Discord HTTP interactions endpoint', () => {
  let sim: DiscordSimulator;
  let voxoz: TestVoxoz;
  let url: string;
  const app = keys();
  const forger = keys();

  beforeAll(async () => {
    sim = await startDiscordSimulator({ heartbeatIntervalMs: 1000 });
    // What an earlier global registration left behind, beside a global command that is not voxoz's.
    const put = await fetch(`${sim.apiUrl}/v10/applications/${sim.applicationId}/commands`, {
      method: 'PUT',
      headers: { authorization: `Bot ${sim.token}`, 'content-type': 'application/json' },
      body: JSON.stringify([
        { name: 'voxoz', description: 'old global registration', type: 1 },
        { name: 'other', description: 'not ours to remove', type: 1 },
      ]),
    });
    expect(put.status).toBe(200);
    voxoz = await startTestVoxoz({
      env: discordEnv(sim, {
        DISCORD_PUBLIC_KEY: rawPublicKey(app.publicKey),
        DISCORD_GUILD_ID: sim.guildId,
        DISCORD_GUILD_IDS: sim.guildId,
      }),
    });
    url = `${voxoz.url}/discord/interactions`;
  });
  afterAll(async () => {
    await voxoz?.close();
    await sim?.close();
  });

  const post = (body: string, opts: { key?: KeyObject; timestamp?: number; signature?: string | null; signedBody?: string } = {}) => {
    const timestamp = String(opts.timestamp ?? Math.floor(Date.now() / 1000));
    const signature =
      opts.signature === undefined
        ? sign(null, Buffer.from(timestamp + (opts.signedBody ?? body)), opts.key ?? app.privateKey).toString('hex')
        : opts.signature;
    const headers: Record<string, string> = { 'content-type': 'application/json', 'x-signature-timestamp': timestamp };
    if (signature !== null) headers['x-signature-ed25519'] = signature;
    return fetch(url, { method: 'POST', headers, body });
  };
  const ping = JSON.stringify({ id: '1', application_id: '1', type: 1, token: 't', version: 1 });

  it('registers /voxoz in the configured guild only (DISCORD_GUILD_ID), for guilds only, and removes the stale global one', () => {
    expect(sim.commands(sim.guildId).map((c) => c.name)).toEqual(['voxoz']);
    expect(sim.commands(sim.guildId)[0]).toMatchObject({ contexts: [0], integration_types: [0], default_member_permissions: null });
    expect(sim.commands().map((c) => c.name)).toEqual(['other']);
  });

  it('answers a validly signed PING with PONG', async () => {
    const res = await post(ping);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ type: 1 });
  });

  it('refuses forged, tampered, unsigned, malformed, stale and future requests with 401', async () => {
    // Times are taken at the moment of each request, well outside the 300 s window either way,
    // so a slow machine cannot carry a "future" timestamp back inside it.
    const nowS = () => Math.floor(Date.now() / 1000);
    expect((await post(ping, { key: forger.privateKey })).status).toBe(401);
    expect((await post(ping.replace('"type":1', '"type":2'), { signedBody: ping })).status).toBe(401);
    expect((await post(ping, { signature: null })).status).toBe(401);
    expect((await post(ping, { signature: 'zz'.repeat(64) })).status).toBe(401);
    expect((await post(ping, { signature: '00'.repeat(64) })).status).toBe(401);
    expect((await post(ping, { timestamp: nowS() - 400 })).status).toBe(401);
    expect((await post(ping, { timestamp: nowS() + 400 })).status).toBe(401);
    // Inside the window, with the same margin, a signed request still passes.
    expect((await post(ping, { timestamp: nowS() - 200 })).status).toBe(200);
    expect((await post(ping, { timestamp: nowS() + 200 })).status).toBe(200);
    expect((await post('not json at all')).status).toBe(400);
    expect((await fetch(url)).status).toBe(405);
  });

  const alice = { id: '100000000000000001', username: 'alice', global_name: null };
  /** A signed-able `/voxoz <sub>` interaction typed in a guild, as Discord sends it over HTTP. */
  const guildCommand = (id: string, sub: string, options: unknown[], guildId: string, type = 2) =>
    JSON.stringify({
      id,
      application_id: sim.applicationId,
      type,
      token: `tok-${id}`,
      version: 1,
      channel_id: sim.channelId,
      guild_id: guildId,
      context: 0,
      member: { user: alice },
      data: { id: '9', name: 'voxoz', type: 1, options: [{ type: 1, name: sub, options }] },
    });

  it('refuses commands from a guild it does not serve and from DMs, ephemerally, and queues nothing', async () => {
    const before = await jobIds(inject('redisUrl'), voxoz.queueName);
    const status = [{ type: 3, name: 'app', value: 'hello' }];
    const foreign = await post(guildCommand('1576000000000000101', 'status', status, '300000000000000009'));
    expect(foreign.status).toBe(200);
    const foreignBody = (await foreign.json()) as { type: number; data: { flags: number } };
    expect(foreignBody.type).toBe(4);
    expect(foreignBody.data.flags & 64).toBe(64);
    expect(answerText(foreignBody.data)).toMatch(/this server \(300000000000000009\) is not one this voxoz serves/);

    const dm = JSON.stringify({
      id: '1576000000000000102',
      application_id: sim.applicationId,
      type: 2,
      token: 'tok-dm',
      version: 1,
      channel_id: '400000000000000001',
      context: 1,
      user: alice,
      data: { id: '9', name: 'voxoz', type: 1, options: [{ type: 1, name: 'status', options: status }] },
    });
    const dmBody = (await (await post(dm)).json()) as { type: number; data: unknown };
    expect(dmBody.type).toBe(4);
    expect(answerText(dmBody.data)).toMatch(/servers only, not in direct messages/);
    // Autocomplete from elsewhere offers nothing (not even the app names).
    const complete = await post(
      guildCommand('1576000000000000103', 'status', [{ type: 3, name: 'app', value: 'he', focused: true }], '300000000000000009', 4),
    );
    expect(await complete.json()).toEqual({ type: 8, data: { choices: [] } });
    await new Promise((r) => setTimeout(r, 300));
    expect(await jobIds(inject('redisUrl'), voxoz.queueName)).toEqual(before);
  });

  it('answers a 2 MiB POST with 413 before verifying or parsing it, and queues nothing', async () => {
    const before = await jobIds(inject('redisUrl'), voxoz.queueName);
    const big = JSON.stringify({
      id: '1576000000000000009',
      application_id: sim.applicationId,
      type: 2,
      token: 't',
      version: 1,
      padding: 'a'.repeat(2 * 1024 * 1024),
    });
    const res = await post(big);
    expect(res.status).toBe(413);
    expect(await jobIds(inject('redisUrl'), voxoz.queueName)).toEqual(before);
    expect((await post(ping)).status).toBe(200);
  });

  it('answers a signed /voxoz help in the HTTP response, ephemerally, and queues a signed deploy once', async () => {
    const command = (id: string, sub: string, options: unknown[] = []) => guildCommand(id, sub, options, sim.guildId);
    const help = await post(command('1576000000000000001', 'help'));
    expect(help.status).toBe(200);
    const body = (await help.json()) as { type: number; data: { flags: number } };
    expect(body.type).toBe(4);
    expect(body.data.flags & 64).toBe(64);
    expect(answerText(body.data)).toMatch(/voxoz commands/);
    const deploy = command('1576000000000000002', 'status', [{ type: 3, name: 'app', value: 'hello' }]);
    const first = await post(deploy);
    const again = await post(deploy);
    expect(((await first.json()) as { type: number }).type).toBe(4);
    expect(again.status).toBe(200);
    expect((await jobIds(inject('redisUrl'), voxoz.queueName)).filter((id) => id === 'discord-1576000000000000002')).toHaveLength(1);
  });
});
