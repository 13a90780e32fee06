import type { APIInteractionResponse, APIMessageComponentInteraction, APIModalSubmitInteraction } from 'discord-api-types/v10';
import { describe, expect, it } from 'vitest';
import { answerComponent } from '../../adapters/discord/answer-component.ts';
import type { InteractionResponder } from '../../adapters/discord/interaction-responder.ts';
import { readRejectModal, rejectModal as discordModal } from '../../adapters/discord/reject-modal.ts';
import { cleanReason, REASON_MAX } from '../../adapters/reject-reason.ts';
import { rejectModal as slackModal, submissionToInteraction } from '../../adapters/slack/reject-form.ts';
import type { Interaction, Reply } from '../../src/core/types.ts';
import type { Dispatcher } from '../../src/dispatch/dispatcher.ts';
import { ErrorCollector } from '../support/discord-sim/errors.ts';
import { validateModal } from '../support/discord-sim/validate-modal.ts';
import { modalProblems } from '../support/slack-sim/methods-views.ts';

describe('a Reject reason', () => {
  it.each([
    [undefined, undefined],
    [42, undefined],
    ['', undefined],
    [' \n\t ', undefined],
    ['  v5 has\nthe  login bug ', 'v5 has the login bug'],
    ['tab\tand\u0007bell', 'tab and bell'],
  ])('%j reads as %j', (raw, reason) => expect(cleanReason(raw)).toBe(reason));

  it('is cut to REASON_MAX characters, never inside a surrogate pair', () => {
    const cut = cleanReason('😀'.repeat(REASON_MAX + 10))!;
    expect(Array.from(cut)).toHaveLength(REASON_MAX);
    expect(cut.endsWith('😀')).toBe(true);
  });
});

describe('the Slack Reject form', () => {
  const ctx = { approval: `apv-slack-${'t'.repeat(80)}`, channel: 'C0DEPLOY', thread: '1700000000.000100' };
  it('is a modal Slack accepts, carrying the approval and where to answer', () => {
    const view = slackModal(ctx);
    expect(modalProblems(view)).toEqual([]);
    expect(JSON.parse(view.private_metadata!)).toEqual({ a: ctx.approval, c: ctx.channel, t: ctx.thread });
  });

  const submission = (metadata: string, value: string | null) => ({
    user: { id: 'U0BOB', name: 'bob', team_id: 'T1' },
    team: { id: 'T1' },
    view: { id: 'V1', private_metadata: metadata, state: { values: { reason: { reason: { value } } } } },
  });
  it('its submission is a Reject by the submitter, with the cleaned reason, or none when left empty', () => {
    const meta = slackModal(ctx).private_metadata!;
    expect(submissionToInteraction(submission(meta, ' too\nrisky '))).toEqual({
      ctx,
      interaction: {
        platform: 'slack',
        user: { id: 'slack:T1/U0BOB', name: 'bob' },
        conversation: 'C0DEPLOY',
        action: 'reject',
        value: ctx.approval,
        reason: 'too risky',
        deliveryId: 'view/V1/T1/U0BOB',
      },
    });
    expect(submissionToInteraction(submission(meta, null))?.interaction).not.toHaveProperty('reason');
  });
  it('a submission whose metadata voxoz did not write is not a Reject', () => {
    for (const meta of ['', 'not json', '{"a":1,"c":"C1"}', '{"c":"C1"}', 'null'])
      expect(submissionToInteraction(submission(meta, 'x')), meta).toBeUndefined();
  });
});

describe('the Discord Reject form', () => {
  it('is a modal Discord accepts, one optional paragraph of at most REASON_MAX', () => {
    const modal = discordModal('apv-discord-123') as Extract<APIInteractionResponse, { type: 9 }>;
    expect(modal.type).toBe(9);
    const errs = new ErrorCollector();
    expect(validateModal(modal.data as never, errs)).toEqual([
      expect.objectContaining({ customId: 'reason', required: false, maxLength: REASON_MAX }),
    ]);
    expect(errs.count).toBe(0);
    expect(discordModal(`apv-${'x'.repeat(90)}`)).toBeUndefined();
  });
  it('reads the approval and reason back from the submission, and nothing from a form voxoz did not open', () => {
    const data = (custom_id: string, value: string) => ({
      custom_id,
      components: [{ type: 1, components: [{ type: 4, id: 2, custom_id: 'reason', value }] }],
    });
    expect(readRejectModal(data('vxm:reject:apv-1', ' why\nnot ') as never)).toEqual({ approval: 'apv-1', reason: 'why not' });
    expect(readRejectModal(data('vxm:reject:apv-1', '') as never)).toEqual({ approval: 'apv-1' });
    expect(readRejectModal(data('vx:reject:apv-1', 'x') as never)).toBeUndefined();
    expect(readRejectModal(data('vxm:reject:', 'x') as never)).toBeUndefined();
  });
});

describe('Discord buttons and forms → dispatcher.interact, each answered', () => {
  const base = { id: '900', application_id: 'a', token: 't', version: 1, channel_id: 'c1', member: { user: { id: '2', username: 'bob' } } };
  const harness = () => {
    const calls: Interaction[] = [];
    const sent: APIInteractionResponse[] = [];
    const dispatcher = {
      interact: async (i: Interaction): Promise<Reply> => {
        calls.push(i);
        return { title: `${i.action}: done`, status: 'info', text: i.reason ?? '-' };
      },
    } as Dispatcher;
    const respond: InteractionResponder = {
      callback: async (body) => {
        sent.push(body);
        return {};
      },
      editOriginal: async () => undefined,
    };
    return { calls, sent, run: (raw: unknown) => answerComponent(raw as APIMessageComponentInteraction, respond, dispatcher, 1000) };
  };

  it('Reject answers with its form and decides nothing; the form’s submission is the Reject, answered privately', async () => {
    const h = harness();
    await h.run({ ...base, type: 3, data: { custom_id: 'vx:reject:apv-1', component_type: 2 } });
    expect(h.calls).toEqual([]);
    expect(h.sent[0]).toMatchObject({ type: 9, data: { custom_id: 'vxm:reject:apv-1' } });
    const submit = {
      ...base,
      id: '901',
      type: 5,
      data: { custom_id: 'vxm:reject:apv-1', components: [{ type: 1, components: [{ type: 4, custom_id: 'reason', value: 'bad idea' }] }] },
    } as unknown as APIModalSubmitInteraction;
    await h.run(submit);
    expect(h.calls).toEqual([
      {
        platform: 'discord',
        user: { id: 'discord:2', name: 'bob' },
        conversation: 'c1',
        action: 'reject',
        value: 'apv-1',
        reason: 'bad idea',
        deliveryId: '901',
      },
    ]);
    expect(h.sent[1]).toMatchObject({ type: 4, data: { flags: 64 } });
  });

  it('Approve is decided at once; a form or button voxoz did not make is answered as unknown', async () => {
    const h = harness();
    await h.run({ ...base, type: 3, data: { custom_id: 'vx:approve:apv-1', component_type: 2 } });
    expect(h.calls.map((c) => [c.action, c.value, c.reason])).toEqual([['approve', 'apv-1', undefined]]);
    await h.run({ ...base, type: 5, data: { custom_id: 'other', components: [] } });
    await h.run({ ...base, type: 3, data: { custom_id: 'other', component_type: 2 } });
    expect(h.calls).toHaveLength(1);
    expect(h.sent.map((s) => JSON.stringify(s))).toEqual([
      expect.stringContaining('approve: done'),
      expect.stringContaining('unknown form'),
      expect.stringContaining('unknown button'),
    ]);
  });
});
