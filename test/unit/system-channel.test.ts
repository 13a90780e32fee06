import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/load-config.ts';
import { systemThread } from '../../src/store/record-system-job.ts';

const config = (systemChannel?: unknown) => validateConfig(systemChannel === undefined ? {} : { chat: { systemChannel } }, '/t/voxoz.yml');

describe('chat.systemChannel and where a system job is posted', () => {
  it('defaults to the local channel "system"', () => {
    expect(config().chat.systemChannel).toEqual({ local: 'system' });
    expect(systemThread(config(), {})).toEqual({ platform: 'local', conversation: 'system' });
  });

  it('posts to the first platform listed, or to the one named', () => {
    const c = config({ slack: 'C0123ABCD', discord: '4567', local: 'ops' });
    expect(systemThread(c, {})).toEqual({ platform: 'slack', conversation: 'C0123ABCD' });
    expect(systemThread(c, { platform: 'discord' })).toEqual({ platform: 'discord', conversation: '4567' });
    expect(() => systemThread(config({ local: 'ops' }), { platform: 'slack' })).toThrow(/chat.systemChannel names no slack channel/);
  });

  it('posts into the originating thread under a new parent, without the command’s interaction token', () => {
    const thread = { platform: 'discord', conversation: '99', parent: '123', meta: { interaction: '5', token: 'secret-token' } };
    expect(systemThread(config(), { thread })).toEqual({ platform: 'discord', conversation: '99', meta: { replyTo: '123' } });
    // A thread already posted into by a system job keeps pointing at its root.
    expect(systemThread(config(), { thread: { platform: 'slack', conversation: 'C1', parent: '2.0', meta: { replyTo: '1.0' } } })).toEqual({
      platform: 'slack',
      conversation: 'C1',
      meta: { replyTo: '1.0' },
    });
    expect(
      systemThread(config(), { thread: { platform: 'local', conversation: 'local', parent: 'm-2', meta: { thread: 't-1' } } }),
    ).toEqual({
      platform: 'local',
      conversation: 'local',
      meta: { thread: 't-1', replyTo: 'm-2' },
    });
  });

  it.each([
    [{ slack: 'general' }, 'chat.systemChannel.slack: must be a Slack channel id like C0123ABCD, got "general"'],
    [{ discord: 456 }, 'chat.systemChannel.discord'],
    [{ local: 'Ops Room' }, 'chat.systemChannel.local: must be a channel name like ops, got "Ops Room"'],
    [{}, 'chat.systemChannel: must name at least one platform'],
    [{ teams: 'x' }, 'chat.systemChannel'],
  ])('refuses %j', (value, problem) => {
    expect(() => config(value)).toThrow(problem);
  });
});
