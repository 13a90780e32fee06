import { describe, expect, it } from 'vitest';
import { commands } from '../../commands/index.ts';
import type { AuditLog } from '../../src/audit/audit-log.ts';
import type { AuditRecord } from '../../src/audit/audit-record.ts';
import type { Reply } from '../../src/core/types.ts';
import { createRegistry } from '../../src/dispatch/command-registry.ts';
import type { AnswerContext } from '../../src/dispatch/command-spec.ts';
import { parseCommand } from '../../src/dispatch/parse-command.ts';

// `audit [app] [--since]` through the real parser and spec, with a hand-written read port
// (the real one, createAuditLog's list, is tested on Redis in test/integration/audit-list.test.ts).
const registry = createRegistry(commands);
const apps = [{ name: 'hello', runtime: 'docker' }];
const NOW = new Date('2026-12-03T12:00:00Z');

const record = (seq: number): AuditRecord => ({
  seq,
  at: new Date(NOW.getTime() - (40 - seq) * 60_000).toISOString(),
  prev: '',
  mac: '',
  type: seq % 2 ? 'command' : 'job-finished',
  actor: `local:user${seq}`,
  ...(seq === 30 ? { person: 'ann' } : {}),
  what: seq === 29 ? `deploy hello ${'x'.repeat(80)}` : `status hello #${seq}`,
  app: 'hello',
  result: seq % 2 ? 'queued' : 'succeeded: status hello: 2 replicas',
});

async function ask(text: string, audit?: Pick<AuditLog, 'list'>): Promise<Reply> {
  const parsed = parseCommand(text, registry, { appNames: apps.map((a) => a.name) });
  if (!parsed.ok || parsed.command.run.kind !== 'answer') throw new Error(`"${text}" is not an answer`);
  const stores = { ...(audit ? { audit } : {}) } as AnswerContext['stores'];
  const ctx: AnswerContext = {
    commands,
    apps,
    botName: 'voxoz',
    user: { id: 'local:ann', name: 'ann' },
    defaultEnv: 'production',
    now: NOW,
    stores,
  };
  return parsed.command.run.answer(parsed.args, ctx);
}

describe('audit in chat', () => {
  it('the newest records as a table that fits chat, saying how many were left out', async () => {
    const asked: unknown[] = [];
    const reply = await ask('audit', {
      list: async (filter) => {
        asked.push(filter);
        return Array.from({ length: 30 }, (_, i) => record(i + 1));
      },
    });
    expect(asked).toEqual([{ since: new Date(NOW.getTime() - 86_400_000) }]);
    expect(reply.title).toBe('audit (all apps, since 2026-12-02 12:00 UTC): 30 records');
    expect(reply.text).toMatch(/^The newest 25; 5 older ones are left out\. "voxoz audit export"/);
    const table = reply.code![0]!.split('\n');
    expect(table).toHaveLength(26);
    expect(table[0]).toMatch(/^# +when +who +what +result$/);
    expect(table[1]).toMatch(/^6 +2026-12-03 11:26 UTC +local:user6 +status hello #6 +job-finished: succeeded: status hello: 2 replicas$/);
    expect(table[25]).toMatch(/^30 +2026-12-03 11:50 UTC +ann +status hello #30 /);
    // Long commands are clipped, so a row stays one line.
    expect(table[24]).toContain(`deploy hello ${'x'.repeat(26)}…`);
    expect(Math.max(...table.map((l) => l.length))).toBeLessThanOrEqual(150);
  });

  it('one app since a given time; nothing recorded; no trail kept here', async () => {
    const asked: unknown[] = [];
    const reply = await ask('audit hello --since 2h', {
      list: async (filter) => {
        asked.push(filter);
        return [];
      },
    });
    expect(asked).toEqual([{ app: 'hello', since: new Date(NOW.getTime() - 7_200_000) }]);
    expect(reply).toMatchObject({ title: 'audit (hello, since 2026-12-03 10:00 UTC): nothing recorded', status: 'info' });
    expect(await ask('audit')).toMatchObject({ title: 'audit: not kept here', status: 'error' });
  });
});
