import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

// voxoz's TypeScript loader (bin/register-ts.js, bin/ts-hooks.js) as `node bin/run-ts.js` uses it:
// a file of its own, run in a process of its own with a temporary directory of its own.
const run = promisify(execFile);
const RUN_TS = resolve(import.meta.dirname, '../../bin/run-ts.js');
const scratch = mkdtempSync(join(tmpdir(), 'vxts-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const SOURCE = `
class Counter {
  count = 1;
  constructor(private readonly step: number) {}
  next(): number {
    this.count += this.step;
    return this.count;
  }
}
interface Shape { name: string }
const named = (s: Shape) => s.name;
const c = new Counter(2);
console.log(JSON.stringify({ next: c.next(), fields: Object.keys(c), fn: named.name, shape: named({ name: 'ok' }) }));
if (process.argv[2] === 'throw') throw new Error('thrown on purpose');
`;

/** Runs the fixture with TMPDIR set to `tmp`; its exit code, output and error output. */
async function runFixture(tmp: string, ...args: string[]) {
  const file = join(scratch, 'fixture.ts');
  writeFileSync(file, SOURCE);
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', TMPDIR: tmp };
  return run(process.execPath, [RUN_TS, file, ...args], { env, timeout: 30_000 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (err: { code: number; stdout: string; stderr: string }) => ({ code: err.code, stdout: err.stdout, stderr: err.stderr }),
  );
}

const cacheOf = (tmp: string) => join(tmp, `voxoz-ts-${process.getuid!()}`);
/** What the cache holds besides its `.pruned` stamp. */
const made = (cache: string) => readdirSync(cache).filter((n) => n !== '.pruned');

describe('the TypeScript loader', () => {
  it('strips the types and nothing else, keeps the result in a private cache, and points stacks at the .ts lines', async () => {
    const tmp = join(scratch, 'fresh');
    mkdirSync(tmp);
    const first = await runFixture(tmp);
    expect(first.code).toBe(0);
    // Class fields as ES2022 (tsconfig.json's target) defines them; a parameter property is a field too.
    expect(JSON.parse(first.stdout)).toEqual({ next: 3, fields: ['step', 'count'], fn: 'named', shape: 'ok' });
    const cache = cacheOf(tmp);
    expect(statSync(cache).mode & 0o777).toBe(0o700);
    const [file, ...more] = made(cache);
    expect(more).toEqual([]);
    const code = readFileSync(join(cache, file!), 'utf8');
    // No name-keeping helper (tsx's keepNames), no type left; a source map for the stacks.
    expect(code).not.toContain('__name');
    expect(code).not.toContain('interface');
    expect(code).toContain('sourceMappingURL=data:application/json');
    // The second start reads the cache: the same file, unchanged, and the same output.
    const second = await runFixture(tmp, 'throw');
    expect(second.stdout).toBe(first.stdout);
    expect(made(cache)).toEqual([file]);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain('Error: thrown on purpose');
    expect(second.stderr).toMatch(/fixture\.ts:14:\d+/);
  });

  it('does not use a cache folder others can write to, and still runs', async () => {
    const tmp = join(scratch, 'shared');
    mkdirSync(tmp);
    const cache = cacheOf(tmp);
    mkdirSync(cache);
    chmodSync(cache, 0o777);
    const out = await runFixture(tmp);
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout).next).toBe(3);
    expect(readdirSync(cache)).toEqual([]);
  });

  it('removes, once a day, what no start read for a month and the parts of writes left a day ago', async () => {
    const tmp = join(scratch, 'pruned');
    const cache = cacheOf(tmp);
    mkdirSync(cache, { recursive: true, mode: 0o700 });
    const aged = (name: string, days: number) => {
      writeFileSync(join(cache, name), 'x');
      const at = Date.now() / 1000 - days * 24 * 3600;
      utimesSync(join(cache, name), at, at);
    };
    aged('old.js', 31);
    aged('recent.js', 29);
    aged('old.js.123.part', 2);
    aged('new.js.456.part', 0);
    const first = await runFixture(tmp);
    expect(first.code).toBe(0);
    const after = made(cache);
    expect(after).not.toContain('old.js');
    expect(after).not.toContain('old.js.123.part');
    expect(after).toEqual(expect.arrayContaining(['recent.js', 'new.js.456.part']));
    // The fixture's own, made by this start.
    expect(after).toHaveLength(3);
    // Within the day no start looks again: an old file stays until the stamp is a day old.
    aged('old.js', 31);
    await runFixture(tmp);
    expect(made(cache)).toContain('old.js');
    const dayAgo = Date.now() / 1000 - 25 * 3600;
    utimesSync(join(cache, '.pruned'), dayAgo, dayAgo);
    await runFixture(tmp);
    expect(made(cache)).not.toContain('old.js');
    expect(made(cache)).toContain('recent.js');
  });
});
