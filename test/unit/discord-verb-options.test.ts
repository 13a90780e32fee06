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
    [
      'restart',
      [
        { name: 'app', type: 3, required: true, autocomplete: true },
        { name: 'env', type: 3, required: false },
        { name: 'dry-run', type: 5, required: false },
      ],
    ],
    [
      'promote',
      [
        { name: 'app', type: 3, required: true, autocomplete: true },
        { name: 'from-env', type: 3, required: true, max_length: 32 },
        { name: 'to-env', type: 3, required: true, max_length: 32 },
        { name: 'dry-run', type: 5, required: false },
      ],
    ],
    [
      'logs',
      [
        { name: 'app', type: 3, required: true, autocomplete: true },
        { name: 'env', type: 3, required: false },
        { name: 'tail', type: 4, required: false, min_value: 1, max_value: 5000 },
        { name: 'since', type: 3, required: false, max_length: 8 },
        { name: 'replica', type: 4, required: false, min_value: 0, max_value: 99 },
        { name: 'follow', type: 3, required: false, max_length: 8 },
      ],
    ],
    ['deploy', [{ name: 'app' }, { name: 'ref' }, { name: 'env' }, { name: 'dry-run', type: 5, required: false }]],
    ['scale', [{ name: 'app' }, { name: 'replicas' }, { name: 'env' }, { name: 'dry-run', type: 5 }]],
    ['burst', [{ name: 'app' }, { name: 'add' }, { name: 'for' }, { name: 'duration' }, { name: 'env' }, { name: 'dry-run', type: 5 }]],
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

  it('/voxoz logs with tail, since and replica parses to the same arguments as typed text; a bad since is refused by the parser', () => {
    const text = optionsToText(registry, 'logs', [opt('app', 'hello'), { name: 'tail', type: 4, value: 20 }, opt('since', '10m')]);
    expect(text).toEqual({ ok: true, text: 'logs hello --tail=20 --since=10m' });
    const parsed = parseCommand(text.ok ? text.text : '', registry, { appNames: ['hello'] });
    expect(parsed.ok && parsed.args).toEqual({ app: 'hello', tail: 20, since: 600 });
    const bad = parseCommand('logs hello --since 2w', registry, { appNames: ['hello'] });
    expect(!bad.ok && bad.problems).toEqual(['--since: "2w" is not a duration of 1s..30d; write it like 90s, 10m, 2h or 1d']);
  });

  it('/voxoz promote and deploy --dry-run read back as the text the parser takes', () => {
    const promote = optionsToText(registry, 'promote', [opt('app', 'hello'), opt('from-env', 'staging'), opt('to-env', 'production')]);
    expect(promote).toEqual({ ok: true, text: 'promote hello staging production' });
    const dry = optionsToText(registry, 'deploy', [opt('app', 'hello'), { name: 'dry-run', type: 5, value: true }]);
    expect(dry).toEqual({ ok: true, text: 'deploy hello --dry-run' });
  });
});
