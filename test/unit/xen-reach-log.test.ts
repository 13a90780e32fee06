import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/load-config.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { startLing } from '../../src/start-ling.ts';

/**
 * `/readyz` asks the Xen hosts at every probe (every few seconds under an orchestrator): the log
 * says when a host stops answering and when it is back, once each, not at every probe. The host
 * is a local one (address `local`) whose wrapper is a script here that answers `info` while a
 * file says so.
 */
const dir = mkdtempSync(join(tmpdir(), 'vx-xen-reach-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the Xen hosts a process reaches', () => {
  it('a host that stops answering is logged once, and once more when it answers again', async () => {
    const up = join(dir, 'up');
    const wrapper = join(dir, 'voxoz-xl');
    writeFileSync(
      wrapper,
      `#!/bin/sh\n[ "$1" = info ] || exit 2\n[ -e ${up} ] || { echo "xl: cannot reach the hypervisor" >&2; exit 1; }\nprintf '%s\\n' '{"xl_info":"total_memory : 2048","images":[]}'\n`,
    );
    chmodSync(wrapper, 0o755);
    const config = validateConfig({ xen: { kernel: 'k', hosts: [{ name: 'xen-a', address: 'local' }] } }, join(dir, 'voxoz.yml'));
    const lines: { level: string; msg: string; host?: string; reason?: string }[] = [];
    const ling = startLing({
      config: () => config,
      dataDir: dir,
      wrapper,
      log: createLogger('debug', {}, (line) => lines.push(JSON.parse(line))),
    });
    try {
      const probe = async () => [...(await ling.reachable())];
      const said = () => lines.filter((l) => /Xen host/.test(l.msg)).map((l) => `${l.level} ${l.msg} ${l.host}`);

      writeFileSync(up, '');
      expect(await probe()).toEqual(['xen-a']);
      expect(said()).toEqual([]);

      rmSync(up);
      for (let i = 0; i < 4; i++) expect(await probe()).toEqual([]);
      expect(said()).toEqual(['warn a Xen host does not answer xen-a']);
      expect(lines.find((l) => l.msg === 'a Xen host does not answer')?.reason).toContain('cannot reach the hypervisor');

      writeFileSync(up, '');
      for (let i = 0; i < 3; i++) expect(await probe()).toEqual(['xen-a']);
      expect(said()).toEqual(['warn a Xen host does not answer xen-a', 'info a Xen host answers again xen-a']);
    } finally {
      await ling.close();
    }
  });
});
