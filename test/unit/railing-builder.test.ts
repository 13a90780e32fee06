import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isUserError } from '../../src/core/user-error.ts';
import type { DriverIO } from '../../src/drivers/driver.ts';
import type { LingBuildInput } from '../../src/drivers/ling/ling-types.ts';
import { createRailingBuilder, type ProgramRunner, railingArgv } from '../../src/drivers/ling/railing-builder.ts';

const root = mkdtempSync(join(tmpdir(), 'vxt-railing-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const fixture = (name: string) => readFileSync(new URL(`../fixtures/ling/${name}`, import.meta.url), 'utf8');
const IMAGE = Buffer.from('\x7fELF a stand-in for the LING kernel railing links');

function source(): string {
  const dir = mkdtempSync(join(root, 'src-'));
  mkdirSync(join(dir, 'ebin'));
  writeFileSync(join(dir, 'ebin/hello.beam'), 'FOR1 beam');
  symlinkSync('/etc/passwd', join(dir, 'ebin/passwd.beam'));
  mkdirSync(join(dir, '.git'));
  writeFileSync(join(dir, '.git/HEAD'), 'ref: refs/heads/main');
  return dir;
}

function input(over: Partial<LingBuildInput> = {}): LingBuildInput {
  const io: DriverIO = { log: () => undefined, step: () => undefined, signal: new AbortController().signal, now: () => new Date() };
  const outDir = mkdtempSync(join(root, 'out-'));
  return { name: 'hello', sourceDir: source(), outDir, memory: 128, extra: '-s hello start', exclude: [], io, ...over };
}

/** What railing does to its working folder, as seen from voxoz: writes <name>.img and domain_config. */
function fakeRailing(writes: { config?: string; code?: number; stdout?: string }) {
  const calls: Array<{ program: string; args: string[]; cwd: string; files: string[] }> = [];
  const run: ProgramRunner = async (program, args, { cwd }) => {
    calls.push({ program, args, cwd, files: ['ebin/hello.beam', 'ebin/passwd.beam', '.git/HEAD'].filter((f) => existsSync(join(cwd, f))) });
    if (writes.code === undefined || writes.code === 0) {
      writeFileSync(join(cwd, 'hello.img'), IMAGE);
      if (writes.config !== undefined) writeFileSync(join(cwd, 'domain_config'), writes.config);
    }
    return { code: writes.code ?? 0, stdout: writes.stdout ?? 'Generate: hello.img\nGenerate: domain_config\n' };
  };
  return { run, calls };
}

describe('railingArgv', () => {
  it.each<[string, readonly string[], Partial<LingBuildInput>, string[]]>([
    [
      'railing on PATH, with excludes and extra',
      ['railing'],
      { exclude: ['deps/lager', 'test'] },
      ['railing', 'image', '-n', 'hello', '-m', '128', '-x', 'deps/lager', '-x', 'test', '-e', '-s hello start'],
    ],
    ['no extra: no -e', ['/opt/ling/bin/railing'], { extra: '' }, ['/opt/ling/bin/railing', 'image', '-n', 'hello', '-m', '128']],
    [
      'a builder container, the scratch folder mounted',
      ['docker', 'run', '--rm', '-v', '{dir}:/app', '-w', '/app', 'ling-builder:17', 'railing'],
      { memory: 64 },
      [
        'docker',
        'run',
        '--rm',
        '-v',
        '/w/railing-work:/app',
        '-w',
        '/app',
        'ling-builder:17',
        'railing',
        'image',
        '-n',
        'hello',
        '-m',
        '64',
        '-e',
        '-s hello start',
      ],
    ],
  ])('%s', (_label, command, over, expected) => {
    expect(railingArgv(command, { name: 'hello', memory: 128, extra: '-s hello start', exclude: [], ...over }, '/w/railing-work')).toEqual(
      expected,
    );
  });
});

describe('railing builder', () => {
  it("runs railing image in a scratch copy of the app and returns its image with domain_config's extra and memory", async () => {
    const fake = fakeRailing({ config: fixture('railing-domain_config') });
    const build = input({ exclude: ['deps/junk'] });
    const image = await createRailingBuilder({ command: ['railing'], run: fake.run }).build(build);
    expect(fake.calls).toEqual([
      {
        program: 'railing',
        args: ['image', '-n', 'hello', '-m', '128', '-x', 'deps/junk', '-e', '-s hello start'],
        cwd: join(build.outDir, 'railing-work'),
        files: ['ebin/hello.beam'],
      },
    ]);
    expect(image).toEqual({
      builder: 'railing',
      imagePath: join(build.outDir, 'hello.img'),
      sha256: createHash('sha256').update(IMAGE).digest('hex'),
      extra: '-s hello start -home /hello -pz /hello/deps/cowboy/ebin /hello/ebin',
      memory: 128,
    });
    expect(readFileSync(image.imagePath).equals(IMAGE)).toBe(true);
    expect(existsSync(join(build.outDir, 'railing-work'))).toBe(false);
    expect(existsSync(join(build.sourceDir, 'hello.img'))).toBe(false);
  });

  it("fails with railing's last lines when it exits non-zero", async () => {
    const fake = fakeRailing({
      code: 1,
      stdout: 'Compile: ebin/hello.beam\nError: incompatible Erlang/OTP version: required 17, found 25\n',
    });
    const err = await createRailingBuilder({ command: ['railing'], run: fake.run })
      .build(input())
      .catch((e: unknown) => e);
    expect(isUserError(err) && err.code).toBe('ling_build_failed');
    expect((err as Error).message).toMatch(/exit status 1\):\n[\s\S]*required 17, found 25/);
  });

  it.each<[string, string | undefined, RegExp]>([
    ['no domain_config', undefined, /wrote no domain_config/],
    [
      'another name',
      fixture('railing-domain_config').replace('name = "hello"', 'name = "other"'),
      /names other \/ hello\.img, expected hello/,
    ],
    ['no memory line', fixture('railing-domain_config-no-memory'), /memory is missing/],
  ])('refuses a build whose railing left %s', async (_label, config, message) => {
    const fake = fakeRailing({ config });
    const err = await createRailingBuilder({ command: ['railing'], run: fake.run })
      .build(input())
      .catch((e: unknown) => e);
    expect((err as Error).message).toMatch(message);
  });

  it('refuses hostile input before running anything', async () => {
    const fake = fakeRailing({ config: fixture('railing-domain_config') });
    const err = await createRailingBuilder({ command: ['railing'], run: fake.run })
      .build(input({ name: 'hello;rm', extra: 'x" kernel="/etc', exclude: ['-n'] }))
      .catch((e: unknown) => e);
    expect(isUserError(err) && err.code).toBe('bad_build_input');
    expect((err as Error).message).toMatch(/name[\s\S]*extra[\s\S]*exclude "-n"/);
    expect(fake.calls).toEqual([]);
  });
});
