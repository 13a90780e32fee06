import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalTransport } from '../../src/drivers/ling/local-transport.ts';
import { createXenHost } from '../../src/drivers/ling/xen-host.ts';

/** voxoz in dom0: the real wrapper run directly (argv, no SSH), with its own settings file. */
const WRAPPER = resolve(import.meta.dirname, '../../xen/voxoz-xl');
const dir = mkdtempSync(join(tmpdir(), 'vx-local-'));
let saved: string | undefined;
beforeAll(() => {
  for (const d of ['images', 'configs', 'console']) mkdirSync(join(dir, d));
  writeFileSync(join(dir, 'console', 'guest-hello-production-v1-0.log'), 'booting\r\nhello ready\r\nhello heartbeat 1\r\n');
  writeFileSync(
    join(dir, 'voxoz-xl.conf'),
    `images = ${dir}/images\nconfigs = ${dir}/configs\nconsoles = ${dir}/console\nxl = /bin/false\nlog = ${dir}/log\n`,
    { mode: 0o600 },
  );
  saved = process.env.VOXOZ_XL_CONF;
  process.env.VOXOZ_XL_CONF = join(dir, 'voxoz-xl.conf');
});
afterAll(() => {
  if (saved === undefined) delete process.env.VOXOZ_XL_CONF;
  else process.env.VOXOZ_XL_CONF = saved;
  rmSync(dir, { recursive: true, force: true });
});

describe('the local transport (voxoz in dom0)', () => {
  it('runs the wrapper with an argv array and reads what it says', async () => {
    const host = createXenHost({ name: 'dom0', imagesDir: `${dir}/images`, transport: createLocalTransport(WRAPPER) });
    expect(await host.consoleTail('hello-production-v1-0', 2)).toEqual(['hello ready', 'hello heartbeat 1']);
    await expect(host.putImage('a'.repeat(64), Buffer.from('other bytes'))).rejects.toThrow(/refused "put-image": .*sha256/);
  });

  it('never starts the wrapper for a token outside [a-z0-9-]', async () => {
    const t = createLocalTransport(WRAPPER);
    await expect(t.run(['create', 'x;id'])).rejects.toThrow(/tokens are \[a-z0-9-\]/);
    await expect(t.run(['create', '--help'])).rejects.toThrow(/tokens are \[a-z0-9-\]/);
  });
});
