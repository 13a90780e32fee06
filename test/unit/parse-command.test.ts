import { describe, expect, it } from 'vitest';
import { commands } from '../../commands/index.ts';
import { closestWord } from '../../src/dispatch/closest-word.ts';
import { createRegistry } from '../../src/dispatch/command-registry.ts';
import type { CommandSpec } from '../../src/dispatch/command-spec.ts';
import { parseCommand } from '../../src/dispatch/parse-command.ts';
import { checkGitRef } from '../../src/dispatch/resolve-arg.ts';
import { tokenize } from '../../src/dispatch/tokenize.ts';

const registry = createRegistry(commands);
const ctx = { appNames: ['hello', 'web'] };
const parse = (text: string) => parseCommand(text, registry, ctx);
const problems = (text: string) => {
  const result = parse(text);
  if (result.ok) throw new Error(`"${text}" parsed`);
  return result.problems;
};

describe('tokenize', () => {
  it.each([
    ['deploy hello', ['deploy', 'hello']],
    ['  deploy   hello  main ', ['deploy', 'hello', 'main']],
    ['say "two words" \'and more\'', ['say', 'two words', 'and more']],
    ['deploy “hello”', ['deploy', 'hello']],
    ['x ""', ['x', '']],
    ['', []],
  ])('%j → %j', (text, tokens) => expect(tokenize(text)).toEqual({ ok: true, tokens }));

  it.each([
    ['deploy "hello', /^a quote \("\) is never closed; close it, or leave it out \(quotes only group words/],
    ['deploy\u0000hello', /control character \(U\+0000\)/],
    ['deploy\u001b[31mhello', /control character \(U\+001B\)/],
    ['x'.repeat(10 * 1024), /10240 characters long; the limit is 1000/],
    [Array.from({ length: 40 }, () => 'a').join(' '), /40 words; the limit is 32/],
  ])('refuses %j', (text, problem) => {
    const result = tokenize(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problem).toMatch(problem);
  });
});

describe('parseCommand: good input', () => {
  it.each([
    ['deploy hello', 'deploy', { app: 'hello' }],
    ['deploy hello main', 'deploy', { app: 'hello', ref: 'main' }],
    ['DEPLOY web v1.4.2', 'deploy', { app: 'web', ref: 'v1.4.2' }],
    ['ship web feature/login --env staging', 'deploy', { app: 'web', ref: 'feature/login', env: 'staging' }],
    ['deploy web --env=staging 3f2a9c1', 'deploy', { app: 'web', ref: '3f2a9c1', env: 'staging' }],
    ['status', 'status', {}],
    ['status hello', 'status', { app: 'hello' }],
    ['help', 'help', {}],
    ['help deploy', 'help', { command: 'deploy' }],
    ['', 'help', {}],
    ['--help', 'help', {}],
    ['-h', 'help', {}],
    ['deploy --help', 'help', { command: 'deploy' }],
    ['ship hello --env staging --help', 'help', { command: 'deploy' }],
    ['lock status --help', 'help', { command: 'lock' }],
    ['releases hello', 'releases', { app: 'hello' }],
    ['history web --env staging', 'releases', { app: 'web', env: 'staging' }],
    ['jobs', 'jobs', {}],
    ['queue hello', 'jobs', { app: 'hello' }],
    ['cancel local-1f2e3d4c', 'cancel', { job: 'local-1f2e3d4c' }],
    ['cancel 0b6f7d1e-9c1a-4d2b-8f3e-5a6b7c8d9e0f', 'cancel', { job: '0b6f7d1e-9c1a-4d2b-8f3e-5a6b7c8d9e0f' }],
    ['lock hello', 'lock', { app: 'hello' }],
    ['lock hello release freeze until Monday', 'lock', { app: 'hello', reason: 'release freeze until Monday' }],
    ['lock web --env staging "QA   in progress"', 'lock', { app: 'web', env: 'staging', reason: 'QA   in progress' }],
    ['lock web QA --env=staging again', 'lock', { app: 'web', env: 'staging', reason: 'QA again' }],
    ['lock', 'lock', {}],
    ['lock status', 'lock status', {}],
    ['lock STATUS hello --env staging', 'lock status', { app: 'hello', env: 'staging' }],
    ['unlock hello', 'unlock', { app: 'hello' }],
    ['unlock web --env staging', 'unlock', { app: 'web', env: 'staging' }],
    ['burst hello +3 for 10m', 'burst', { app: 'hello', add: '+3', for: 'for', duration: '10m' }],
    ['burst web +100 for 24h --dry-run', 'burst', { app: 'web', add: '+100', for: 'for', duration: '24h', 'dry-run': true }],
  ])('%j → %s %j', (text, name, args) => {
    const result = parse(text);
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.command.name).toBe(name);
      expect(result.args).toEqual(args);
    }
  });
});

describe('parseCommand: bad and evil input', () => {
  it.each([
    ['deploy', [/<app> is missing \(the app to deploy/]],
    ['deploy hellp', [/there is no app named "hellp"; did you mean "hello"\?/]],
    ['deploy nothing', [/there is no app named "nothing"; known apps: hello, web/]],
    [
      'deploy hello;rm -rf /',
      [/<app>: "hello;rm" is not an app name/, /"-rf" looks like an option; deploy takes --env/, /<ref>: "\/" is not a valid git ref/],
    ],
    ['deploy hello $(reboot)', [/<ref>: "\$\(reboot\)" may contain only letters/]],
    ['deploy hello `id`', [/<ref>: "`id`" may contain only letters/]],
    ['deploy --upload-pack=x', [/unknown option "--upload-pack"; deploy takes --env/, /<app> is missing/]],
    ['deploy hello -- --upload-pack=x', [/"--" looks like an option/, /unknown option "--upload-pack"/]],
    ['deploy hello main..evil', [/<ref>: "main\.\.evil" is not a valid git ref/]],
    ['scale hello -1', [/^<replicas>: must be 0\.\.100, got -1$/]],
    ['deploy hello -1', [/^<ref>: "-1" must not start with "-" \(it would read as a git option\)/]],
    ['deploy hello @{-1}', [/"@\{-1\}" is a revision expression/]],
    [
      'deploy hello HEAD~1',
      [/<ref>: "HEAD~1" is a revision expression \(~, \^ or @\), which voxoz does not take; give the branch, tag or commit sha itself/],
    ],
    ['deploy hello v1.2^', [/<ref>: "v1\.2\^" is a revision expression/]],
    ['deploy hello main extra words', [/deploy takes at most 2 arguments; remove "extra" "words"/]],
    ['deploy hello --env', [/--env needs a value/]],
    ['deploy hello --env PROD', [/--env: "PROD" is not an environment name/]],
    ['deploy hello --env a --env b', [/--env is given twice/]],
    ['deplyo hello', [/unknown command "deplyo"; did you mean "deploy"\?/]],
    ['statsu', [/unknown command "statsu"; did you mean "status"\?/]],
    ['frobnicate', [/^unknown command "frobnicate"\. Type "help" for the list\.$/]],
    ['deploy héllo', [/"héllo" is not an app name/]],
    ['deploy 🚀', [/"🚀" is not an app name/]],
    [`deploy hello ${'a'.repeat(300)}`, [/<ref>: "a{37}\.\.\." must be 1\.\.200 characters/]],
    [`deploy ${'x'.repeat(10 * 1024)}`, [/the limit is 1000/]],
    ['releases', [/<app> is missing \(the app whose releases to list\)/]],
    ['releases hellp', [/there is no app named "hellp"; did you mean "hello"\?/]],
    ['jobs hello extra', [/jobs takes at most 1 argument; remove "extra"/]],
    ['cancel', [/<job> is missing/]],
    ['cancel job;rm', [/<job>: "job;rm" is not a job id/]],
    [`cancel ${'j'.repeat(121)}`, [/is not a job id/]],
    ['lock hellp freeze', [/there is no app named "hellp"; did you mean "hello"\?/]],
    [`lock hello "${'r'.repeat(201)}"`, [/<reason>: must be 1\.\.200 characters, got 201/]],
    ['lock status nothing', [/there is no app named "nothing"/]],
    ['lock status hello why', [/lock status takes at most 1 argument; remove "why"/]],
    ['unlock', [/<app> is missing \(the app to unlock\)/]],
    ['unlock hello now', [/unlock takes at most 1 argument; remove "now"/]],
    ['canel x', [/unknown command "canel"; did you mean "cancel"\?/]],
    ['burst hello +2 for 25h', [/^<duration>: a burst lasts 1s\.\.24h, written like 90s, 10m or 2h; got "25h"$/]],
    ['burst hello +2 for 10', [/<duration>: a burst lasts 1s\.\.24h/]],
    ['burst hello +0 for 10m', [/^\+<n>: a burst adds at least one replica \(\+1\.\.\+100\), got "\+0"$/]],
    ['burst hello +101 for 10m', [/^\+<n>: a burst adds at most \+100 replicas \(an app runs at most 100\), got "\+101"$/]],
    ['burst hello +2x for 10m', [/^\+<n>: write the replicas to add as \+<n> \(e\.g\. \+3\), got "\+2x"$/]],
    ['workers extra', [/^workers takes no arguments; remove "extra"$/]],
    ['burst hello +2 during 10m', [/^for: write "for" before the duration .*got "during"$/]],
  ])('%j', (text, expected) => {
    const found = problems(text);
    for (const pattern of expected) expect(found, found.join('\n')).toEqual(expect.arrayContaining([expect.stringMatching(pattern)]));
  });

  it('collects every problem, not just the first', () => {
    expect(problems('deploy HELLO --nope -x a b c')).toHaveLength(4);
    // A command's own checks (burst's +<n>, "for" and duration) are problems like the others.
    expect(problems('burst hello 2 in 2d')).toHaveLength(3);
  });

  it('reads "lock status" as the app when an app is named status', () => {
    const result = parseCommand('lock status', registry, { appNames: ['status'] });
    expect(result.ok && [result.command.name, result.args]).toEqual(['lock', { app: 'status' }]);
  });

  it.each([
    ['lock hellp', 'lock [app] [reason…] [--env <env>]'],
    ['lock status x', 'lock status [app] [--env <env>]'],
    ['cancel', 'cancel <job>'],
  ])('gives the usage line of the command or subcommand that was meant: %j', (text, usage) => {
    const result = parse(text);
    expect(!result.ok && result.usage).toBe(usage);
  });

  it('gives the usage line with argument errors', () => {
    const result = parse('deploy');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.usage).toBe('deploy <app> [ref] [--env <env>] [--dry-run]');
  });
});

describe('checkGitRef', () => {
  it.each(['main', 'v1.2.0', 'feature/login', 'release-2026.11', 'a1b2c3d4e5f6', 'HEAD'])('accepts %s', (ref) =>
    expect(checkGitRef(ref)).toBeUndefined(),
  );
  it.each([
    '-x',
    '--upload-pack=x',
    'a..b',
    'a//b',
    '/abs',
    'trail/',
    'x.lock',
    'x.',
    '.hidden',
    'a/.b',
    'a b',
    'a~1',
    'a^',
    'a:b',
    'a\\b',
    '',
    'x'.repeat(201),
  ])('refuses %j', (ref) => expect(checkGitRef(ref)).toBeDefined());
});

describe('registry', () => {
  const spec = (name: string, aliases: string[] = []): CommandSpec => ({
    name,
    aliases,
    summary: 's',
    args: [],
    examples: [],
    sideEffects: 'none',
    run: { kind: 'job', job: 'status' },
  });
  it('fails at start-up when a name or alias is claimed twice', () => {
    expect(() => createRegistry([spec('deploy', ['ship']), spec('ship')])).toThrow(/"ship" is claimed by both deploy and ship/);
    expect(() => createRegistry([spec('a', ['x']), spec('b', ['x'])])).toThrow(/"x" is claimed by both a and b/);
  });
  it('refuses required arguments after optional ones', () => {
    const bad = {
      ...spec('bad'),
      args: [
        { name: 'a', type: 'word' as const, summary: '' },
        { name: 'b', type: 'word' as const, summary: '', required: true },
      ],
    };
    expect(() => createRegistry([bad])).toThrow(/required arguments must come before optional ones/);
  });
  it('refuses a rest argument that is not the last, and a subcommand not named after its parent', () => {
    const rest = {
      ...spec('rest'),
      args: [
        { name: 'a', type: 'text' as const, summary: '', rest: true },
        { name: 'b', type: 'word' as const, summary: '' },
      ],
    };
    expect(() => createRegistry([rest])).toThrow(/rest: only the last argument may take the rest of the words/);
    expect(() => createRegistry([{ ...spec('lock'), subcommands: [spec('unlock status')] }])).toThrow(
      /subcommand "unlock status" of lock must be named "lock <word>"/,
    );
  });
  it('accepts the real command list', () =>
    expect(registry.verbs()).toEqual(expect.arrayContaining(['deploy', 'ship', 'status', 'st', 'help', 'h'])));
});

describe('closestWord', () => {
  it.each([
    ['deplyo', 'deploy'],
    ['stauts', 'status'],
    ['hlep', 'help'],
    ['dep', 'deploy'],
    ['xyzzy', undefined],
    ['d', undefined],
  ])('%s → %s', (word, near) => {
    expect(closestWord(word, ['deploy', 'status', 'help'])).toBe(near);
  });
});
