import { describe, expect, it } from 'vitest';
import { commands } from '../../commands/index.ts';
import type { Reply } from '../../src/core/types.ts';
import { createRegistry } from '../../src/dispatch/command-registry.ts';
import type { AnswerContext } from '../../src/dispatch/command-spec.ts';
import { parseCommand } from '../../src/dispatch/parse-command.ts';

const registry = createRegistry(commands);
const apps = [
  { name: 'hello', runtime: 'docker' },
  { name: 'web', runtime: 'docker' },
];
// help reads no store: one that is touched throws.
const ctx = {
  commands,
  apps,
  botName: 'voxoz',
  user: { id: 'local:alice', name: 'alice' },
  defaultEnv: 'production',
  now: new Date('2026-12-02T10:00:00Z'),
  stores: {} as AnswerContext['stores'],
} satisfies AnswerContext;

async function help(text: string): Promise<Reply> {
  const parsed = parseCommand(text, registry, { appNames: apps.map((a) => a.name) });
  if (!parsed.ok || parsed.command.run.kind !== 'answer') throw new Error(`"${text}" is not an answer`);
  return parsed.command.run.answer(parsed.args, ctx);
}

describe('help is generated from the specs', () => {
  it.each([
    ['releases', 'releases <app> [--env <env>]', 'voxoz releases hello'],
    ['jobs', 'jobs [app]', 'voxoz jobs hello'],
    ['cancel', 'cancel <job>', 'voxoz cancel local-1f2e3d4c'],
    ['lock', 'lock [app] [reason…] [--env <env>]', 'voxoz lock hello release freeze until Monday'],
    ['lock', 'lock status [app] [--env <env>]', 'voxoz lock status hello'],
    ['unlock', 'unlock <app> [--env <env>]', 'voxoz unlock hello'],
    ['promote', 'promote <app> <from-env> <to-env> [--dry-run]', 'voxoz promote hello staging production --dry-run'],
    ['restart', 'restart <app> [--env <env>] [--dry-run]', 'voxoz restart hello --dry-run'],
    ['logs', 'logs <app> [--env <env>] [--tail <n>] [--since <duration>] [--replica <n>]', 'voxoz logs hello --tail 20 --since 10m'],
    ['deploy', 'deploy <app> [ref] [--env <env>] [--dry-run]', 'voxoz deploy hello --dry-run'],
    ['scale', 'scale <app> <replicas> [--env <env>] [--dry-run]', 'voxoz scale hello 5 --dry-run'],
    ['burst', 'burst <app> +<n> for <duration> [--env <env>] [--dry-run]', 'voxoz burst hello +2 for 1h --dry-run'],
  ])('the index lists %s as %j, and "help %s" shows its usage and examples', async (verb, usage, example) => {
    const index = await help('help');
    expect(index.code![0]).toMatch(new RegExp(`^${usage.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} +\\S`, 'm'));
    const one = await help(`help ${verb}`);
    expect(one.title).toBe(`help: ${verb}`);
    expect(one.text).toContain(`Usage: voxoz ${usage}`);
    expect(one.code).toContain(example);
  });

  it('every command and subcommand has examples that parse, and a summary and side effects', () => {
    for (const spec of commands.flatMap((c) => [c, ...(c.subcommands ?? [])])) {
      expect(spec.examples.length, spec.name).toBeGreaterThan(0);
      expect(spec.summary && spec.sideEffects, spec.name).toBeTruthy();
      for (const example of spec.examples) {
        const parsed = parseCommand(example, registry, { appNames: apps.map((a) => a.name) });
        expect(parsed.ok && parsed.command.name, example).toBe(spec.name);
      }
    }
  });

  it('help lock explains both lock and lock status, with the aliases of the others', async () => {
    const lock = await help('help lock');
    expect(lock.text).toMatch(/Usage: voxoz lock \[app\][\s\S]*Usage: voxoz lock status/);
    expect(lock.text).toContain('  <reason>  why, shown to whoever is refused (optional)');
    expect((await help('help history')).title).toBe('help: releases');
    expect((await help('help queue')).title).toBe('help: jobs');
  });
});
