import { describe, expect, it } from 'vitest';
import { slackRelayLimits } from '../../adapters/slack/slack-limits.ts';
import { commandToInvocation, mentionToInvocation } from '../../adapters/slack/to-invocation.ts';
import { toInteraction } from '../../adapters/slack/to-interaction.ts';
import { fitHead, fitTail, fitTailLines, splitLines } from '../../adapters/slack/fit-text.ts';

const at = new Date('2025-01-01T00:00:00Z');

describe('Slack payloads → neutral core types', () => {
  it('a slash command becomes an Invocation keyed by team and user ids, with trigger_id as delivery id', () => {
    const inv = commandToInvocation(
      { team_id: 'T1', user_id: 'U2', user_name: 'admin', channel_id: 'C3', text: '  deploy hello  ', trigger_id: 'tr.1' },
      at,
    );
    expect(inv).toEqual({
      platform: 'slack',
      user: { id: 'slack:T1/U2', name: 'admin' },
      conversation: 'C3',
      text: 'deploy hello',
      receivedAt: at,
      deliveryId: 'tr.1',
    });
    // Same user name in another team is another user.
    expect(
      commandToInvocation({ team_id: 'T9', user_id: 'U2', user_name: 'admin', channel_id: 'C3', text: '', trigger_id: 'x' }, at).user.id,
    ).toBe('slack:T9/U2');
  });

  it('a mention strips user mentions and uses the event id', () => {
    expect(
      mentionToInvocation(
        { user: 'U2', text: '<@U0BOT> deploy  <@U7|bob> hello', channel: 'C3', ts: '1.2', thread_ts: '1.1' },
        'T1',
        'Ev1',
        at,
      ),
    ).toEqual({
      platform: 'slack',
      user: { id: 'slack:T1/U2', name: 'U2' },
      conversation: 'C3',
      thread: '1.1',
      text: 'deploy hello',
      receivedAt: at,
      deliveryId: 'Ev1',
    });
    expect(mentionToInvocation({ text: 'x', channel: 'C', ts: '1' }, 'T1', 'Ev2', at)).toBeUndefined();
  });

  it('a click becomes an Interaction keyed by its own action_ts and clicker: a redelivery repeats it, a second click or user does not', () => {
    const body = (user: string) => ({
      user: { id: user, username: user.toLowerCase(), team_id: 'T1' },
      container: { channel_id: 'C3', message_ts: '1.5' },
    });
    const a = toInteraction(body('U2'), { action_id: 'cancel', value: 'job-1', action_ts: '1700000000.000100' });
    expect(a).toEqual({
      platform: 'slack',
      user: { id: 'slack:T1/U2', name: 'u2' },
      conversation: 'C3',
      action: 'cancel',
      value: 'job-1',
      deliveryId: '1700000000.000100/cancel/T1/U2',
    });
    expect(toInteraction(body('U2'), { action_id: 'cancel', value: 'job-1', action_ts: '1700000000.000100' }).deliveryId).toBe(
      a.deliveryId,
    );
    // The same button clicked again is a new click (the old id named the message, so it repeated forever).
    expect(toInteraction(body('U2'), { action_id: 'cancel', value: 'job-1', action_ts: '1700000007.000200' }).deliveryId).not.toBe(
      a.deliveryId,
    );
    expect(toInteraction(body('U3'), { action_id: 'cancel', value: 'job-1', action_ts: '1700000000.000100' }).deliveryId).not.toBe(
      a.deliveryId,
    );
    // No action_ts: never mistaken for an earlier click.
    expect(toInteraction(body('U2'), { action_id: 'cancel', value: 'job-1' }).deliveryId).not.toBe(
      toInteraction(body('U2'), { action_id: 'cancel', value: 'job-1' }).deliveryId,
    );
  });
});

describe('Slack relay limits', () => {
  it("keeps every job within chat.update's shared 50/min, widening with the number of live jobs", () => {
    for (const n of [1, 2, 5, 20, 100]) {
      const perMinute = (n * 60_000) / slackRelayLimits.intervalMs(n);
      expect(perMinute).toBeLessThanOrEqual(45);
      expect(slackRelayLimits.intervalMs(n)).toBeGreaterThanOrEqual(1000);
    }
    expect(slackRelayLimits.intervalMs(10)).toBeGreaterThan(slackRelayLimits.intervalMs(1));
  });
});

describe('text fitting', () => {
  it.each([
    ['ascii', 'abcdef', 4, 'abc…'],
    ['escapes count', 'a<b>c', 6, 'a&lt;…'],
    ['never half an entity', 'ab&cd', 4, 'ab…'],
    ['never half a surrogate pair', '😀😀😀', 4, '😀…'],
  ])('fitHead: %s', (_, text, max, want) => {
    expect(fitHead(text, max)).toBe(want);
    expect(fitHead(text, max).length).toBeLessThanOrEqual(max);
  });

  it('fitTail keeps the end; fitTailLines starts on a whole line', () => {
    expect(fitTail('😀😀😀', 5)).toBe('…😀😀');
    expect(fitTailLines('line one\nline two\nline three', 17)).toBe('…\nline three');
  });

  it('splitLines keeps every chunk within the limit', () => {
    const chunks = splitLines(Array.from({ length: 50 }, (_, i) => `${i}:${'é'.repeat(90)}`).join('\n'), 1000);
    expect(chunks.length).toBeGreaterThan(4);
    for (const c of chunks) expect(c.length).toBeLessThanOrEqual(1000);
  });
});
