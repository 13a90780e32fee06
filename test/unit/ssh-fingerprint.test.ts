import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fingerprintOf } from '../../src/drivers/ling/ssh-transport.ts';

const dir = mkdtempSync(join(tmpdir(), 'vx-fp-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('host key fingerprints', () => {
  it.each(['ed25519', 'rsa', 'ecdsa'])('match what ssh-keygen -lf prints for a %s key', (type) => {
    const key = join(dir, type);
    execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-f', key]);
    const blob = Buffer.from(readFileSync(`${key}.pub`, 'utf8').split(' ')[1]!, 'base64');
    const printed = execFileSync('ssh-keygen', ['-lf', `${key}.pub`], { encoding: 'utf8' }).split(' ')[1];
    expect(fingerprintOf(blob)).toBe(printed);
  });
});
