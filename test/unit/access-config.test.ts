import { describe, expect, it } from 'vitest';
import { ConfigError, validateConfig } from '../../src/config/load-config.ts';

const problems = (raw: unknown) => {
  try {
    validateConfig(raw, '/tmp/voxoz.yml');
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
};

describe('access in voxoz.yml', () => {
  it('defaults: no grants (every change refused), anyone reads, rollback needs approval, 15 minutes', () => {
    const c = validateConfig({}, '/tmp/voxoz.yml');
    expect(c.access).toEqual({ grants: [], readers: 'anyone' });
    expect(c.approvals).toEqual({ rules: [{ verb: 'rollback', apps: ['*'], envs: ['*'] }], expiryMinutes: 15 });
  });

  it('names every problem with its path: unknown people and groups, malformed ids, bad roles, shared identities', () => {
    expect(
      problems({
        people: { alice: { slack: 'alice' }, bob: { discord: 'bob#1234' }, carol: { local: 'carol' }, dan: { local: 'carol' } },
        groups: { ops: ['alice', 'zed'] },
        access: { grants: [{ to: ['mallory', 'group:devs'], role: 'owner' }] },
        approvals: { rules: [{ verb: 'reboot' }] },
      }),
    ).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^people\.alice\.slack: must be a Slack team id and user id like "T0123ABCD\/U0456EFGH", got/),
        expect.stringMatching(/^people\.bob\.discord: must be a Discord user id/),
        expect.stringMatching(/^access\.grants\[0\]\.role: must be one of viewer, deployer, approver, admin, got "owner"/),
        expect.stringMatching(/^approvals\.rules\[0\]\.verb: must be one of rollback, deploy/),
        'groups.ops[1]: "zed" is not under people:',
        'access.grants[0].to[0]: "mallory" is not under people:; name a person, group:<name>, everyone, or slack:*, discord:*, local:*',
        'access.grants[0].to[1]: "group:devs" is not under groups:; name a person, group:<name>, everyone, or slack:*, discord:*, local:*',
        "people.dan.local: local:carol is already carol's; an identity belongs to one person",
      ]),
    );
  });

  it('an app restricted to channels names them as <platform>:<channel>', () => {
    expect(problems({ apps: [{ name: 'hello', source: { path: '.' }, port: 8080, channels: ['#ops'] }] })).toEqual([
      'apps[0].channels[0]: must be like "slack:C0123ABCD", "discord:123…" or "local:*"',
    ]);
  });
});
