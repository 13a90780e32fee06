import { describe, expect, it } from 'vitest';
import { cliArgsProblem } from '../../src/cli-args.ts';

describe('cliArgsProblem: words a CLI command does not take', () => {
  it('accepts what each command takes, and leaves say and unknown commands to their own checks', () => {
    for (const [verb, ...rest] of [['start'], ['worker'], ['worker', '--list'], ['reload'], ['audit', 'export'], ['audit', 'verify']])
      expect(cliArgsProblem(verb!, rest), `${verb} ${rest.join(' ')}`).toBeUndefined();
    expect(cliArgsProblem('say', ['deploy', 'hello', '--user', 'bob'])).toBeUndefined();
    expect(cliArgsProblem('sya', ['status'])).toBeUndefined();
  });

  it('says what is wrong and what would be right', () => {
    expect(cliArgsProblem('start', ['--foo', 'bar'])).toBe('voxoz start takes no arguments; remove "--foo" "bar"');
    expect(cliArgsProblem('reload', ['now'])).toBe('voxoz reload takes no arguments; remove "now"');
    expect(cliArgsProblem('worker', ['--lst'])).toBe('voxoz worker: unknown option "--lst"; did you mean "--list"?');
    expect(cliArgsProblem('worker', ['foo'])).toBe('voxoz worker: unknown argument "foo"; it takes "--list"');
    expect(cliArgsProblem('worker', ['--list', 'x'])).toBe('voxoz worker --list takes nothing more; remove "x"');
    expect(cliArgsProblem('audit', [])).toBe('voxoz audit: give "export" or "verify"');
    expect(cliArgsProblem('audit', ['exprot'])).toBe('voxoz audit: unknown action "exprot"; did you mean "export"?');
    expect(cliArgsProblem('audit', ['nope'])).toBe('voxoz audit: unknown action "nope"; it takes "export" or "verify"');
    expect(cliArgsProblem('audit', ['verify', '--all'])).toBe('voxoz audit verify takes nothing more; remove "--all"');
    expect(cliArgsProblem('reload', ['x'.repeat(100)])).toBe(`voxoz reload takes no arguments; remove "${'x'.repeat(40)}"`);
  });
});
