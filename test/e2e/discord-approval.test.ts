import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { APIMessage } from 'discord-api-types/v10';
import { answerText, buttonIds, discordEnv, jobIds, shown, waitFor } from '../fixtures/discord/e2e-helpers.ts';
import { approvalYaml, EXPIRES, helloCopy, servedPage } from '../support/approval-flow.ts';
import { startDiscordSimulator, type DiscordSimulator, type SimUserSpec } from '../support/discord-sim/index.ts';
import { startTestVoxoz, type TestVoxoz } from '../support/start-voxoz.ts';

const EPHEMERAL = 64;
const ALICE = { id: '100000000000000001', username: 'alice' };
const BOB = { id: '100000000000000002', username: 'bob' };
const CAROL = { id: '100000000000000003', username: 'carol' };

/**
 * A rollback approved by button on Discord: real discord.js on the simulator's gateway, the
 * approval message an ordinary bot message with Approve and Reject, Reject asking for its
 * reason in a modal, the real engine serving hello.
 */
describe('Discord over the gateway: a rollback waits for an approver, and a Reject carries its reason', () => {
  let sim: DiscordSimulator;
  let voxoz: TestVoxoz | undefined;
  let hello: ReturnType<typeof helloCopy>;
  beforeAll(async () => {
    sim = await startDiscordSimulator({ heartbeatIntervalMs: 1000 });
    hello = helloCopy();
    voxoz = await startTestVoxoz({
      yaml: approvalYaml(hello.dir, { rita: { discord: ALICE.id }, abe: { discord: BOB.id }, stan: { discord: CAROL.id } }),
      env: discordEnv(sim),
    });
  });
  afterAll(async () => {
    await voxoz?.close();
    hello?.remove();
    expect(sim.breaches()).toBe(0);
    await sim?.close();
  });

  const current = (id: string) => sim.message(id)?.current;
  const command = async (subcommand: string, user: SimUserSpec) =>
    sim.waitForResponse(sim.sendInteraction({ kind: 'command', name: 'voxoz', subcommand, options: { app: 'hello' }, user }).id);
  const click = async (customId: string, messageId: string, user: SimUserSpec) => {
    const sent = sim.sendInteraction({ kind: 'button', customId, messageId, user });
    return { sent, answer: await sim.waitForResponse(sent.id) };
  };
  /** The text of an ephemeral answer (type 4, flags 64), within Discord's 3 s. */
  const privately = (answer: { type: number; data: unknown; latencyMs: number }) => {
    expect(answer.type).toBe(4);
    expect(((answer.data as { flags?: number }).flags ?? 0) & EPHEMERAL).toBe(EPHEMERAL);
    expect(answer.latencyMs).toBeLessThan(3000);
    return answerText(answer.data);
  };
  const deploy = async (n: number) => {
    hello.bake(n);
    const parent = (await command('deploy', ALICE)).messageId!;
    await waitFor(`hello v${n} live`, () => new RegExp(`hello v${n} live`).test(shown(current(parent))), 120_000);
    expect(await servedPage(voxoz!.appPort)).toContain(`hello from release v${n}`);
  };
  const request = (summary: RegExp) =>
    waitFor('the approval message', () =>
      sim.messages(sim.channelId).find((m) => !sim.message(m.id)!.ephemeral && summary.test(shown(m)) && buttonIds(m).length === 2),
    );
  const repliesTo = (id: string) => sim.messages(sim.channelId).filter((m: APIMessage) => m.message_reference?.message_id === id);

  it('deploy v1, v2; rollback asked by alice; carol and alice refused; bob approves; the rollback runs under the request and v1 serves', async () => {
    await deploy(1);
    await deploy(2);
    expect(privately(await command('rollback', ALICE))).toMatch(/rollback hello\/production from v2 to v1: waiting for approval/);
    const msg = await request(/approval needed: rollback hello\/production from v2 to v1/);
    expect(shown(msg)).toContain('alice asked for this');
    expect(shown(msg)).toMatch(EXPIRES);
    const [approve, reject] = buttonIds(msg);
    expect(approve).toMatch(/^vx:approve:apv-discord-\d+$/);
    expect(reject).toBe(approve!.replace('approve', 'reject'));
    expect(shown(msg)).toMatch(/Approve\nReject/);

    const stranger = privately((await click(approve!, msg.id, CAROL)).answer);
    expect(stranger).toContain('approve: not allowed');
    expect(stranger).toContain('you need approver on hello/production; ask an admin to add you under access: in voxoz.yml');
    const own = privately((await click(approve!, msg.id, ALICE)).answer);
    expect(own).toContain('someone else with approver on hello/production must approve it');
    expect(buttonIds(current(msg.id))).toEqual([approve, reject]);

    const approved = privately((await click(approve!, msg.id, BOB)).answer);
    const jobId = approve!.slice('vx:approve:apv-'.length);
    expect(approved).toContain(`Approved; job ${jobId} runs in the request`);
    await waitFor('the request to say approved', () => /approved by bob/.test(shown(current(msg.id))));
    expect(buttonIds(current(msg.id))).toEqual([]);
    expect(shown(current(msg.id))).toMatch(new RegExp(`Approved by bob at .* UTC; job ${jobId} runs in this thread`));
    const job = await waitFor('the rollback job, answering the request', () => repliesTo(msg.id)[0]);
    await waitFor('the rollback to go live', () => /hello v3 live: rollback of v1 \(1\/1 healthy\)/.test(shown(current(job.id))), 120_000);
    expect(await servedPage(voxoz!.appPort)).toContain('hello from release v1');
    expect(await jobIds(inject('redisUrl'), voxoz!.queueName)).toContain(jobId);
  }, 300_000);

  it('Reject opens a modal; its reason rewrites the request and nothing runs; the requester may withdraw with no reason', async () => {
    expect(privately(await command('rollback', ALICE))).toMatch(/waiting for approval/);
    const msg = await request(/approval needed: rollback hello\/production from v3 to v2/);
    const [, reject] = buttonIds(msg);
    const { sent, answer } = await click(reject!, msg.id, BOB);
    expect(answer.type).toBe(9);
    expect(answer.data).toMatchObject({ title: 'Reject request', custom_id: reject!.replace('vx:', 'vxm:') });
    expect(sim.modal(sent.id)?.inputs).toEqual([expect.objectContaining({ customId: 'reason', required: false, maxLength: 500 })]);
    const submitted = sim.sendInteraction({ kind: 'modal-submit', from: sent.id, values: { reason: 'v2 has the login bug' } });
    expect(privately(await sim.waitForResponse(submitted.id))).toMatch(/rollback hello\/production from v3 to v2: rejected/);
    await waitFor('the request to say rejected', () => /rejected by bob/.test(shown(current(msg.id))));
    expect(shown(current(msg.id))).toMatch(/Rejected by bob at .* UTC: v2 has the login bug\. Nothing was done\./);
    expect(buttonIds(current(msg.id))).toEqual([]);

    expect(privately(await command('rollback', ALICE))).toMatch(/waiting for approval/);
    const mine = await request(/approval needed: rollback hello\/production from v3 to v2/);
    const withdraw = await click(buttonIds(mine)[1]!, mine.id, ALICE);
    const empty = sim.sendInteraction({ kind: 'modal-submit', from: withdraw.sent.id });
    expect(privately(await sim.waitForResponse(empty.id))).toMatch(/rejected/);
    await waitFor('the request to say withdrawn', () =>
      /Rejected by alice at \d{4}-\d\d-\d\d \d\d:\d\d UTC\. Nothing was done\./.test(shown(current(mine.id))),
    );

    // Nothing runs: no job for either request, nothing posted under them, v1's page still served.
    await new Promise((r) => setTimeout(r, 3000));
    const ids = await jobIds(inject('redisUrl'), voxoz!.queueName);
    for (const m of [msg, mine]) {
      expect(ids).not.toContain(buttonIds(m)[0]!.slice('vx:approve:apv-'.length));
      expect(repliesTo(m.id)).toEqual([]);
    }
    expect(await servedPage(voxoz!.appPort)).toContain('hello from release v1');
  }, 60_000);
});
