import { spawn } from 'node:child_process';
import { checkTokens } from './check-token.ts';
import type { XenCommand, XenResult, XenTransport } from './ling-types.ts';

/** voxoz in dom0: the same wrapper commands, run directly with an argv array (no SSH, no shell). */
export function createLocalTransport(wrapper = '/usr/local/bin/voxoz-xl'): XenTransport {
  return {
    async run(command: XenCommand, opts = {}): Promise<XenResult> {
      checkTokens(command);
      return new Promise((resolve, reject) => {
        const child = spawn(wrapper, [...command], { stdio: ['pipe', 'pipe', 'pipe'], ...(opts.signal ? { signal: opts.signal } : {}) });
        const out: Buffer[] = [];
        const errOut: Buffer[] = [];
        child.stdout.on('data', (d: Buffer) => out.push(d));
        child.stderr.on('data', (d: Buffer) => errOut.push(d));
        child.on('error', reject);
        child.on('close', (code) =>
          resolve({ code: code ?? -1, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(errOut).toString('utf8') }),
        );
        child.stdin.on('error', () => undefined);
        child.stdin.end(opts.stdin ?? '');
      });
    },
    close: async () => undefined,
  };
}
