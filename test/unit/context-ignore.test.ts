import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { contextIgnore } from '../../src/drivers/docker/context-ignore.ts';
import { writeTree } from '../support/write-tree.ts';

const root = mkdtempSync(join(tmpdir(), 'vxci-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A context folder with the given .dockerignore (or none) and the files the rules are tried on. */
function contextWith(name: string, dockerignore: string | undefined): string {
  const dir = join(root, name);
  writeTree(dir, {
    Dockerfile: 'FROM busybox\n',
    'app.txt': 'a',
    '.env': 'X=1',
    'debug.log': 'l',
    'src/main.txt': 'm',
    'src/debug.log': 'l',
    'build/out.bin': 'o',
    'src/build/kept.txt': 'k',
    'docs/a.md': 'a',
    'docs/keep.md': 'k',
    'secret/inner/x.pem': 'p',
    '.git/config': 'g',
    ...(dockerignore !== undefined ? { '.dockerignore': dockerignore } : {}),
  });
  return dir;
}

describe("contextIgnore (Docker's .dockerignore semantics)", () => {
  it('applies comments, **, leading /, folder rules and ! exceptions', () => {
    const dir = contextWith('rules', '# secrets stay out\n.env\n**/*.log\n/build\n  docs/*  \n!docs/keep.md\nsecret\n\n');
    const ignored = contextIgnore(dir, 'Dockerfile');
    const sent = (p: string) => !ignored(join(dir, p));
    expect(
      ['app.txt', 'src/main.txt', 'src/build/kept.txt', 'docs/keep.md', 'Dockerfile', '.dockerignore'].filter((p) => !sent(p)),
    ).toEqual([]);
    expect(
      ['.env', 'debug.log', 'src/debug.log', 'build/out.bin', 'docs/a.md', 'secret/inner/x.pem', '.git', '.git/config'].filter(sent),
    ).toEqual([]);
    // docs/ itself is walked (an exception may take files inside it back); build/ has no exception under it but is walked too.
    expect(sent('docs')).toBe(true);
  });

  it('prunes an ignored folder when no exception could take anything back', () => {
    const dir = contextWith('prune', 'build\n');
    expect(contextIgnore(dir, 'Dockerfile')(join(dir, 'build'))).toBe(true);
    expect(contextIgnore(dir, 'Dockerfile')(join(dir, 'src/build'))).toBe(false);
  });

  it('always sends the Dockerfile and .dockerignore, even when they are listed or caught by *', () => {
    const dir = contextWith('always', '*\n!app.txt\n');
    writeTree(dir, { 'ops/web.Dockerfile': 'FROM busybox\n' });
    const ignored = contextIgnore(dir, 'ops/web.Dockerfile');
    expect(['app.txt', '.dockerignore', 'ops/web.Dockerfile', 'ops'].filter((p) => ignored(join(dir, p)))).toEqual([]);
    expect(['.env', 'src', 'src/main.txt', 'debug.log', 'Dockerfile'].filter((p) => !ignored(join(dir, p)))).toEqual(['src']);
    expect(ignored(join(dir, 'src/main.txt'))).toBe(true);
  });

  it('sends everything but .git without a .dockerignore', () => {
    const dir = contextWith('none', undefined);
    const ignored = contextIgnore(dir, 'Dockerfile');
    expect(['.env', 'debug.log', 'build', 'build/out.bin', 'Dockerfile'].filter((p) => ignored(join(dir, p)))).toEqual([]);
    expect(ignored(join(dir, '.git'))).toBe(true);
  });
});
