import { describe, expect, it } from 'vitest';
import { commands } from '../../commands/index.ts';
import { createRegistry } from '../../src/dispatch/command-registry.ts';
import { parseCommand } from '../../src/dispatch/parse-command.ts';
import { parseReleaseNumber, rollbackTargets, unavailableTarget } from '../../src/jobs/processors/rollback-targets.ts';
import type { Release } from '../../src/store/release-store.ts';
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

const release = (number: number, artifact: string, outcome: Release['outcome'] = 'live', more: Partial<Release> = {}): Release => ({
  app: 'hello',
  env: 'production',
  number,
  artifact,
  deployedBy: 'U1',
  at: '2026-12-07T10:00:00Z',
  outcome,
  jobId: `j${number}`,
  ...more,
});

describe('rollback targets after a restart', () => {
  // v1 (a), v2 (b), v3 failed (c), v4 restart of v2 (b): live.
  const ledger = [release(1, 'a'), release(2, 'b'), release(3, 'c', 'failed'), release(4, 'b', 'live', { restartOf: 2 })];

  it('leaves out releases with the live image: the default goes to the one before them', () => {
    expect(rollbackTargets(ledger, new Set()).map((r) => r.number)).toEqual([1]);
    expect(rollbackTargets(ledger, new Set(['a']))).toEqual([]);
    // Before the restart, v1 was the default as it is now.
    expect(rollbackTargets(ledger.slice(0, 3), new Set()).map((r) => r.number)).toEqual([1]);
  });

  it('says why a release with the live image is refused, and what would restart it', () => {
    const app = { name: 'hello', keepImages: 5 };
    expect(unavailableTarget(app, 'production', ledger, rollbackTargets(ledger, new Set()), 2)).toBe(
      'v2 of hello has the same image as the live v4, so rolling back to it would change nothing (to start it afresh, run "restart hello"); releases you can roll back to: v1',
    );
    expect(unavailableTarget(app, 'staging', ledger, [], 2)).toBe(
      'v2 of hello has the same image as the live v4, so rolling back to it would change nothing (to start it afresh, run "restart hello --env staging"); there is no earlier release to roll back to',
    );
    expect(unavailableTarget(app, 'production', ledger, [], undefined)).toBe(
      'hello (production) has no earlier release that went live and whose image is kept',
    );
    // Only a restart since the one deploy: the default says why there is none, and what would start it afresh.
    const restarted = [release(1, 'b'), release(2, 'b', 'live', { restartOf: 1 })];
    expect(unavailableTarget(app, 'production', restarted, rollbackTargets(restarted, new Set()), undefined)).toBe(
      'hello (production) has no earlier release with another image to roll back to: v1 has the same image as the live v2 (to start it afresh, run "restart hello")',
    );
  });
});

describe('restart from chat', () => {
  it.each([
    ['restart hello', { app: 'hello' }],
    ['RESTART web --env staging', { app: 'web', env: 'staging' }],
    ['restart hello --dry-run', { app: 'hello', 'dry-run': true }],
  ])('%j → %j, the mutating restart job', (text, args) => {
    const result = parse(text);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.command.run).toEqual({ kind: 'job', job: 'restart' });
    expect(result.args).toEqual(args);
    expect(processors.restart.mutates).toBe(true);
  });

  it('refuses a missing app, an unknown one and extra words before anything is queued', () => {
    for (const text of ['restart', 'restart nope', 'restart hello now']) expect(parse(text).ok, text).toBe(false);
  });
});
