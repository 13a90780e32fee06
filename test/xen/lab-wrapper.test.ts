import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Client } from 'ssh2';
import { describe, expect, inject, it } from 'vitest';
import { createSshTransport } from '../../src/drivers/ling/ssh-transport.ts';
import { createXenHost } from '../../src/drivers/ling/xen-host.ts';
import { adminOf } from '../support/xenlab/xen-lab.ts';

/**
 * The lab itself, the wrapper in authorized_keys and the pinned host key, against the real
 * dom0: what voxoz's key can do there is exactly the wrapper's verbs.
 */
const lab = inject('xenLab');
const admin = adminOf(lab);
const target = (hostKey = lab.hostKeyFingerprint) => ({
  name: 'xen-a',
  address: '127.0.0.1',
  port: lab.port,
  user: 'root',
  privateKey: readFileSync(lab.voxozKeyPath),
  hostKey,
});

/** A raw exec with voxoz's key, bypassing voxoz's own token check: what the host allows. */
function rawExec(command: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const c = new Client();
    c.on('ready', () =>
      c.exec(command, (err, stream) => {
        if (err) return reject(err);
        let out = '';
        let code: number | null = null;
        stream.on('data', (d: Buffer) => (out += d));
        stream.stderr.on('data', (d: Buffer) => (out += d));
        stream.on('exit', (c2: number | null) => (code = c2));
        stream.on('close', () => {
          c.end();
          resolve({ code, out });
        });
        stream.end();
      }),
    );
    c.on('error', reject);
    c.connect({ host: '127.0.0.1', port: lab.port, username: 'root', privateKey: readFileSync(lab.voxozKeyPath), readyTimeout: 30_000 });
  });
}

describe('the Xen lab, its wrapper and its pinned key', () => {
  it('runs Xen 4.17 with a Debian dom0; sshd presents the key pinned at build', async () => {
    expect(await admin('xl info')).toMatch(/xen_version\s+:\s+4\.17/);
    const scanned = execFileSync('ssh-keyscan', ['-t', 'ed25519', '-p', String(lab.port), '127.0.0.1'], { encoding: 'utf8' });
    const printed = execFileSync('ssh-keygen', ['-lf', '-'], { input: scanned, encoding: 'utf8' });
    expect(printed).toContain(lab.hostKeyFingerprint);
  });

  it.each([
    ['bash', /refused/],
    ['xl list', /refused/],
    ['xl destroy Domain-0', /refused/],
    ['list; id', /refused: character ';'/],
    ['create ../x', /refused/],
    ['put-config Hello', /refused/],
    ['cat /etc/shadow', /refused/],
    ['list -l', /refused/],
  ])("voxoz's key cannot run %j: the forced command refuses it (exit 2)", async (command, message) => {
    const r = await rawExec(command);
    expect(r.code).toBe(2);
    expect(r.out).toMatch(message);
    expect(r.out).not.toMatch(/root:|uid=/);
  });

  it('the wrapper keeps an image only when its bytes match the hash, and lists domains as JSON', async () => {
    const host = createXenHost({ name: 'xen-a', imagesDir: '/var/lib/voxoz-xl/images', transport: createSshTransport(target()) });
    try {
      await expect(host.putImage('0'.repeat(64), Buffer.from('not that'))).rejects.toThrow(/refused "put-image".*sha256/);
      expect((await host.info()).images.has('0'.repeat(64))).toBe(false);
      const { domains } = await host.list();
      expect(Array.isArray(domains)).toBe(true);
      expect((await host.info()).freeMb).toBeGreaterThan(500);
    } finally {
      await host.close();
    }
  });

  it('a host that presents another key is refused before anything is sent, naming both fingerprints', async () => {
    const pinned = `SHA256:${'x'.repeat(43)}`;
    const before = await admin('cat /var/log/voxoz-xl.log 2>/dev/null | wc -l');
    const host = createXenHost({ name: 'xen-a', imagesDir: '/var/lib/voxoz-xl/images', transport: createSshTransport(target(pinned)) });
    try {
      const err = await host.info().then(
        () => undefined,
        (e: Error) => e,
      );
      expect(err?.message).toContain(`presented the host key ${lab.hostKeyFingerprint}, but voxoz.yml pins ${pinned}; nothing was sent`);
    } finally {
      await host.close();
    }
    expect(await admin('cat /var/log/voxoz-xl.log 2>/dev/null | wc -l')).toBe(before);
  });
});
