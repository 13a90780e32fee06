import { describe, expect, it } from 'vitest';
import { commands } from '../../commands/index.ts';
import { commandDefinitions } from '../../adapters/discord/command-definitions.ts';
import { autocompleteApps } from '../../adapters/discord/autocomplete-apps.ts';
import { optionsToText, commandToInvocation, type OptionNode } from '../../adapters/discord/to-invocation.ts';
import { createRegistry } from '../../src/dispatch/command-registry.ts';
import { parseCommand } from '../../src/dispatch/parse-command.ts';
import type { CommandSpec } from '../../src/dispatch/command-spec.ts';
import { validateCommands } from '../support/discord-sim/validate-commands.ts';

const registry = createRegistry(commands);
const opt = (name: string, value: string | number | boolean, type = 3): OptionNode => ({ name, type, value });

describe('commandDefinitions: specs → /voxoz subcommands', () => {
  it("is accepted by Discord's command rules and has one subcommand per spec", () => {
    const defs = commandDefinitions(commands);
    expect(() => validateCommands(JSON.parse(JSON.stringify(defs)))).not.toThrow();
    expect(defs[0]!.options!.map((o) => o.name)).toEqual(commands.map((c) => c.name));
  });

  it('maps every arg and option type, with bounds and required-first order', () => {
    const spec: CommandSpec = {
      name: 'scale',
      summary: 'x'.repeat(150),
      examples: [],
      sideEffects: 'none',
      run: { kind: 'job', job: 'deploy' },
      args: [
        { name: 'app', type: 'app', required: true, summary: 'app' },
        { name: 'n', type: 'int', required: true, min: 0, max: 20, summary: 'replicas' },
        { name: 'ref', type: 'gitref', summary: 'ref' },
        { name: 'word', type: 'word', summary: 'w' },
      ],
      options: [
        { name: 'env', type: 'env', summary: 'env' },
        { name: 'dry-run', type: 'boolean', summary: 'dry' },
        { name: 'wait', type: 'int', min: 1, max: 9, summary: 'w' },
      ],
    };
    const [root] = commandDefinitions([spec]);
    const sub = root!.options![0] as unknown as { description: string; options: Array<Record<string, unknown>> };
    expect(sub.description).toHaveLength(100);
    expect(sub.options.map((o) => [o.name, o.type, o.required])).toEqual([
      ['app', 3, true],
      ['n', 4, true],
      ['ref', 3, false],
      ['word', 3, false],
      ['env', 3, false],
      ['dry-run', 5, false],
      ['wait', 4, false],
    ]);
    expect(sub.options[0]).toMatchObject({ autocomplete: true });
    expect(sub.options[1]).toMatchObject({ min_value: 0, max_value: 20 });
    expect(() => validateCommands(JSON.parse(JSON.stringify([root])))).not.toThrow();
  });
});

describe('optionsToText: slash options → the text the parser reads', () => {
  it.each([
    ['deploy', [opt('app', 'hello')], 'deploy hello'],
    ['deploy', [opt('env', 'staging'), opt('ref', 'v1.2'), opt('app', 'web')], 'deploy web v1.2 --env=staging'],
    ['deploy', [opt('app', 'hello world')], 'deploy "hello world"'],
    ['deploy', [opt('app', 'it"s')], "deploy 'it\"s'"],
    ['status', [], 'status'],
    ['help', [opt('command', 'deploy')], 'help deploy'],
    ['nosuch', [opt('x', 'y')], 'nosuch'],
  ])('%s %j → %j', (sub, options, text) => expect(optionsToText(registry, sub, options)).toEqual({ ok: true, text }));

  it('refuses what text cannot say: a value read as an option', () => {
    expect(optionsToText(registry, 'deploy', [opt('app', 'hello'), opt('ref', '--env=prod')])).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/must not start with "-"/),
    });
  });

  it('validates exactly as typed text does', () => {
    const ctx = { appNames: ['hello'] };
    for (const options of [
      [opt('app', 'nosuch')],
      [opt('app', 'hello'), opt('ref', 'a..b')],
      [opt('app', 'hello'), opt('env', 'Bad')],
      [opt('app', 'hello world')],
    ]) {
      const text = optionsToText(registry, 'deploy', options);
      expect(text.ok).toBe(true);
      const viaSlash = parseCommand((text as { text: string }).text, registry, ctx);
      expect(viaSlash.ok).toBe(false);
      expect((viaSlash as { problems: string[] }).problems.length).toBeGreaterThan(0);
    }
    expect(
      parseCommand(
        (optionsToText(registry, 'deploy', [opt('app', 'hello'), opt('env', 'staging')]) as { text: string }).text,
        registry,
        ctx,
      ),
    ).toMatchObject({ ok: true, args: { app: 'hello', env: 'staging' } });
  });

  it('builds an Invocation with discord:<user id>, the interaction id as delivery id and the token in meta', () => {
    const raw = {
      id: '1576',
      token: 'tok',
      type: 2,
      channel_id: 'C1',
      member: { user: { id: '42', username: 'bob', global_name: 'Bob B' } },
      data: { id: '9', name: 'voxoz', type: 1, options: [{ type: 1, name: 'deploy', options: [opt('app', 'hello')] }] },
    };
    const built = commandToInvocation(raw as never, registry, new Date(0));
    expect(built).toMatchObject({
      ok: true,
      invocation: {
        platform: 'discord',
        user: { id: 'discord:42', name: 'Bob B' },
        conversation: 'C1',
        text: 'deploy hello',
        deliveryId: '1576',
        meta: { interaction: '1576', token: 'tok' },
      },
    });
  });
});

describe('autocompleteApps', () => {
  const sub = (value: string, name = 'deploy', option = 'app') => [
    { type: 1, name, options: [{ name: option, type: 3, value, focused: true }] },
  ];
  it('offers configured app names, prefix matches first, at most 25', () => {
    const apps = ['web', 'worker', 'hello', 'network', ...Array.from({ length: 40 }, (_, i) => `w${i}`)];
    const choices = autocompleteApps(registry, apps, sub('w'));
    expect(choices.slice(0, 2)).toEqual([
      { name: 'web', value: 'web' },
      { name: 'worker', value: 'worker' },
    ]);
    expect(choices).toHaveLength(25);
    expect(autocompleteApps(registry, apps, sub('twor')).map((c) => c.value)).toEqual(['network']);
    expect(autocompleteApps(registry, apps, sub('x', 'help', 'command'))).toEqual([]);
  });
});
