import { describe, expect, it } from 'vitest';
import { commands } from '../../commands/index.ts';
import { createRegistry } from '../../src/dispatch/command-registry.ts';
import { parseCommand } from '../../src/dispatch/parse-command.ts';
import { parseReleaseNumber } from '../../src/jobs/processors/rollback-targets.ts';
import { processors } from '../../src/jobs/processors/index.ts';

// `rollback` as typed in chat: the parser hands its target words to the processor, which reads
// them with parseReleaseNumber; the spec names the mutating rollback processor.
const registry = createRegistry(commands);
const parse = (text: string) => parseCommand(text, registry, { appNames: ['hello', 'web'] });

describe('rollback from chat', () => {
  it.each([
    ['rollback hello', { app: 'hello' }, undefined],
    ['rollback hello v3', { app: 'hello', target: 'v3' }, 3],
    ['rollback hello to v3', { app: 'hello', target: 'to v3' }, 3],
    ['ROLLBACK web to 12 --env staging', { app: 'web', target: 'to 12', env: 'staging' }, 12],
    ['rollback web --env=staging v2', { app: 'web', target: 'v2', env: 'staging' }, 2],
    ['rollback hello to v2 --dry-run', { app: 'hello', target: 'to v2', 'dry-run': true }, 2],
  ])('%j → %j (release %s)', (text, args, number) => {
    const result = parse(text);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.command.name).toBe('rollback');
    expect(result.args).toEqual(args);
    expect(typeof result.args.target === 'string' ? parseReleaseNumber(result.args.target) : undefined).toBe(number);
  });

  it('refuses an unknown app and a missing one before anything is queued', () => {
    const unknown = parse('rollback nope v1');
    expect(unknown.ok).toBe(false);
    if (!unknown.ok) expect(unknown.problems.join(' ')).toMatch(/nope/);
    expect(parse('rollback').ok).toBe(false);
  });

  it.each([
    ['rollback hello banana', '"banana"'],
    ['rollback hello to yesterday', '"to yesterday"'],
    ['rollback hello v2 please', '"v2 please"'],
  ])('refuses %j at once: its target names no release (an approval must never fall back to the default)', (text, shown) => {
    const result = parse(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems).toEqual([`<target>: ${shown} is not a release; write it as v3 (rollback <app> to v3)`]);
  });

  it('runs as the mutating rollback job (job lock and user locks apply)', () => {
    const spec = registry.find('rollback');
    expect(spec?.run).toEqual({ kind: 'job', job: 'rollback' });
    expect(processors.rollback.mutates).toBe(true);
  });
});
