import { describe, expect, it } from 'vitest';
import { commands } from '../../commands/index.ts';
import { createAccessPolicy } from '../../src/access/access-policy.ts';
import { approversOf } from '../../src/access/grants.ts';
import { validateConfig } from '../../src/config/load-config.ts';
import type { ChatUser, JobData } from '../../src/core/types.ts';
import { parseCommand } from '../../src/dispatch/parse-command.ts';
import { createRegistry } from '../../src/dispatch/command-registry.ts';
import type { UserLock } from '../../src/store/lock-store.ts';

const raw = {
  people: {
    alice: { slack: 'T1AAAA/U1ALICE', discord: '111111111111', local: 'alice' },
    bob: { slack: 'T1AAAA/U1BOB' },
    carol: { discord: '333333333333' },
    dave: { slack: 'T1AAAA/U1DAVE' },
  },
  groups: { ops: ['alice', 'bob'] },
  access: {
    grants: [
      { to: ['alice'], role: 'admin' },
      { to: ['group:ops'], role: 'deployer', apps: ['hello'], envs: ['staging', 'production'] },
      { to: ['carol'], role: 'deployer', apps: ['web-*'], envs: ['staging'] },
      { to: ['dave'], role: 'approver', envs: ['production'] },
    ],
  },
  approvals: { rules: [{ verb: 'rollback' }, { verb: 'scale', above: 5 }, { verb: 'unlock', othersLock: true }] },
  apps: [
    { name: 'hello', source: { path: '.' }, port: 8080, environments: { production: {}, staging: { port: 8180 } } },
    { name: 'web-shop', source: { path: '.' }, port: 9000, channels: ['slack:COPS', 'discord:*'], environments: { staging: {} } },
  ],
};
const config = validateConfig(raw, '/tmp/voxoz.yml');

const registry = createRegistry(commands);
let held: UserLock | undefined;
const policy = createAccessPolicy({ config: () => config, locks: { get: async () => held } });
const user = (id: string, name = id): ChatUser => ({ id, name });
const ALICE = user('slack:T1AAAA/U1ALICE', 'alice');
const BOB = user('slack:T1AAAA/U1BOB', 'bob');
const CAROL = user('discord:333333333333', 'carol');
const DAVE = user('slack:T1AAAA/U1DAVE', 'dave');
const STRANGER = user('slack:T1AAAA/U1EVE', 'eve');

async function decide(who: ChatUser, text: string, where = { platform: who.id.split(':')[0]!, conversation: 'COPS' }) {
  const parsed = parseCommand(text, registry, { appNames: config.apps.map((a) => a.name) });
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  const env = typeof parsed.args.env === 'string' ? parsed.args.env : 'production';
  return policy.authorize(who, parsed.command, parsed.args, { ...where, env });
}

describe('the access policy', () => {
  it.each([
    // who, command, decision
    [ALICE, 'deploy hello', 'allow'],
    [BOB, 'deploy hello --env staging', 'allow'],
    [BOB, 'deploy web-shop --env staging', 'deny'],
    [CAROL, 'deploy web-shop --env staging', 'allow'],
    [CAROL, 'deploy hello', 'deny'],
    [DAVE, 'deploy hello', 'deny'],
    [STRANGER, 'deploy hello', 'deny'],
    [STRANGER, 'scale hello 2', 'deny'],
    [STRANGER, 'burst hello +2 for 10m', 'deny'],
    [STRANGER, 'lock hello', 'deny'],
    [STRANGER, 'unlock hello', 'deny'],
    [STRANGER, 'promote hello staging production', 'deny'],
    [STRANGER, 'rollback hello', 'deny'],
    [STRANGER, 'status hello', 'allow'],
    [STRANGER, 'releases hello', 'allow'],
    [STRANGER, 'lock', 'allow'],
    [STRANGER, 'jobs', 'allow'],
    [STRANGER, 'help', 'allow'],
    [STRANGER, 'deploy hello --dry-run', 'allow'],
    [BOB, 'rollback hello', 'needs-approval'],
    [ALICE, 'rollback hello', 'needs-approval'],
    [BOB, 'scale hello 5', 'allow'],
    [BOB, 'scale hello 6', 'needs-approval'],
  ] as const)('%o: %s → %s', async (who, text, expected) => {
    expect((await decide(who, text)).type).toBe(expected);
  });

  it('says which grant is missing and where to add it', async () => {
    expect(await decide(BOB, 'deploy web-shop --env staging')).toEqual({
      type: 'deny',
      reason: 'you need deployer on web-shop/staging; ask an admin to add you under access: in voxoz.yml',
    });
    expect(await decide(STRANGER, 'deploy hello')).toEqual({
      type: 'deny',
      reason:
        'you need deployer on hello/production; ask an admin to add you under access: in voxoz.yml (slack:T1AAAA/U1EVE is not listed under people: either)',
    });
  });

  it('keys on ids only: a display name, another team or another platform gains nothing', async () => {
    expect((await decide(user('slack:T1AAAA/U1EVE', 'alice'), 'deploy hello')).type).toBe('deny');
    expect((await decide(user('slack:T9OTHER/U1ALICE', 'alice'), 'deploy hello')).type).toBe('deny');
    expect((await decide(user('local:U1ALICE', 'alice'), 'deploy hello')).type).toBe('deny');
    expect((await decide(user('discord:111111111111', 'someone'), 'deploy hello')).type).toBe('allow');
  });

  it("an app's channels are a second factor for changes, not for reads", async () => {
    expect(await decide(CAROL, 'deploy web-shop --env staging', { platform: 'discord', conversation: '42' })).toEqual({ type: 'allow' });
    expect(await decide(ALICE, 'deploy web-shop --env staging', { platform: 'slack', conversation: 'CRANDOM' })).toEqual({
      type: 'deny',
      reason: 'web-shop takes commands that change it only in slack:COPS, discord:*; this is slack:CRANDOM',
    });
    expect((await decide(STRANGER, 'status web-shop --env staging', { platform: 'slack', conversation: 'CRANDOM' })).type).toBe('allow');
  });

  it('unlocking needs approval only when someone else holds the lock', async () => {
    held = { app: 'hello', env: 'production', by: ALICE, since: '2026-12-03T00:00:00Z' };
    expect((await decide(BOB, 'unlock hello')).type).toBe('needs-approval');
    expect((await decide(ALICE, 'unlock hello')).type).toBe('allow');
    held = undefined;
    expect((await decide(BOB, 'unlock hello')).type).toBe('allow');
  });

  it('readers: granted keeps read-only commands to people with a role on the app', async () => {
    const strict = validateConfig({ ...raw, access: { ...raw.access, readers: 'granted' } }, '/tmp/voxoz.yml');
    const p = createAccessPolicy({ config: () => strict, locks: { get: async () => undefined } });
    const parsed = parseCommand('status hello', registry, { appNames: ['hello', 'web-shop'] });
    if (!parsed.ok) throw new Error('parse');
    const where = { platform: 'slack', conversation: 'C1', env: 'production' };
    expect((await p.authorize(STRANGER, parsed.command, parsed.args, where)).type).toBe('deny');
    expect((await p.authorize(DAVE, parsed.command, parsed.args, where)).type).toBe('allow');
  });

  const job = (by: ChatUser): JobData => ({
    id: 'j1',
    kind: 'rollback',
    command: 'rollback hello',
    app: 'hello',
    env: 'production',
    args: {},
    requestedBy: by,
    thread: { platform: 'slack', conversation: 'COPS' },
    requestedAt: '2026-12-03T00:00:00Z',
  });

  it('approve: an approver, never the requester; reject: an approver or the requester withdrawing', async () => {
    expect(await policy.authorizeAction(DAVE, 'approve', job(BOB))).toEqual({ type: 'allow' });
    expect(await policy.authorizeAction(ALICE, 'approve', job(BOB))).toEqual({ type: 'allow' });
    expect((await policy.authorizeAction(ALICE, 'approve', job(ALICE))).type).toBe('deny');
    expect((await policy.authorizeAction(BOB, 'approve', job(ALICE))).type).toBe('deny');
    expect((await policy.authorizeAction(STRANGER, 'approve', job(BOB))).type).toBe('deny');
    expect((await policy.authorizeAction(BOB, 'reject', job(BOB))).type).toBe('allow');
    expect((await policy.authorizeAction(STRANGER, 'reject', job(BOB))).type).toBe('deny');
  });

  it('cancel: the requester or an admin', async () => {
    expect((await policy.authorizeAction(BOB, 'cancel', job(BOB))).type).toBe('allow');
    expect((await policy.authorizeAction(ALICE, 'cancel', job(BOB))).type).toBe('allow');
    expect((await policy.authorizeAction(DAVE, 'cancel', job(BOB))).type).toBe('deny');
  });

  it('the approver set: people holding approver or admin there, without the requester', () => {
    expect(approversOf(config, 'hello', 'production', BOB.id)).toEqual(['alice', 'dave']);
    expect(approversOf(config, 'hello', 'production', ALICE.id)).toEqual(['dave']);
    expect(approversOf(config, 'hello', 'staging', ALICE.id)).toEqual([]);
  });
});
