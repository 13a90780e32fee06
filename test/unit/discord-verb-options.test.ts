import { describe, expect, it } from 'vitest';
import { commandDefinitions } from '../../adapters/discord/command-definitions.ts';
import { optionsToText, type OptionNode } from '../../adapters/discord/to-invocation.ts';
import { commands } from '../../commands/index.ts';
import { createRegistry } from '../../src/dispatch/command-registry.ts';
import { parseCommand } from '../../src/dispatch/parse-command.ts';

const registry = createRegistry(commands);
const opt = (name: string, value: string): OptionNode => ({ name, type: 3, value });

describe('the new verbs as /voxoz subcommands', () => {
  const sub = (name: string) => commandDefinitions(commands)[0]!.options!.find((o) => o.name === name) as { options?: unknown[] };

  it.each([
    [
      'releases',
      [
        { name: 'app', type: 3, required: true, autocomplete: true },
        { name: 'env', type: 3, required: false },
      ],
    ],
    ['jobs', [{ name: 'app', type: 3, required: false, autocomplete: true }]],
    ['cancel', [{ name: 'job', type: 3, required: true, max_length: 120 }]],
    ['lock', [{ name: 'app', required: false }, { name: 'reason', type: 3, required: false, max_length: 200 }, { name: 'env' }]],
    ['unlock', [{ name: 'app', required: true }, { name: 'env' }]],
  ])('%s has its options typed from the spec', (name, options) => {
    expect(sub(name)?.options).toMatchObject(options);
  });

  it('a reason with spaces from Discord parses as one reason; /voxoz lock with no app shows the locks', () => {
    const text = optionsToText(registry, 'lock', [opt('app', 'hello'), opt('reason', 'demo at 3pm')]);
    expect(text).toEqual({ ok: true, text: 'lock hello "demo at 3pm"' });
    const parsed = parseCommand(text.ok ? text.text : '', registry, { appNames: ['hello'] });
    expect(parsed.ok && parsed.args).toEqual({ app: 'hello', reason: 'demo at 3pm' });
    const bare = parseCommand('lock', registry, { appNames: ['hello'] });
    expect(bare.ok && [bare.command.name, bare.args]).toEqual(['lock', {}]);
  });
});
