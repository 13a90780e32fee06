/**
 * Shared by the Xen tests: a copy of examples/hello-erlang whose build differs per release, a
 * voxoz.yml for the lab, the local API as a user sees it, and the lab's own view of domains.
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { XenLabInfo } from './xenlab/xen-lab.ts';
import { waitUntil } from '../../src/services/wait-until.ts';

export const HELLO_ERLANG_DIR = resolve(import.meta.dirname, '../../examples/hello-erlang');
export const BROKEN_ERLANG_DIR = resolve(import.meta.dirname, '../../examples/hello-erlang-broken');

/** The Erlang app in a folder of its own; `bake(n)` adds a module naming release n, so every build is a new image. */
export function helloErlangCopy(from = HELLO_ERLANG_DIR) {
  const dir = mkdtempSync(join(tmpdir(), 'vxe-'));
  cpSync(from, dir, { recursive: true });
  return {
    dir,
    bake(n: number) {
      writeFileSync(join(dir, 'src', 'hello_release.erl'), `-module(hello_release).\n-export([name/0]).\nname() -> "v${n}".\n`);
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** voxoz.yml: the lab as xen-a, the app `hello` (runtime ling) from `appDir`; rita deploys, abe approves rollbacks. */
export function xenYaml(lab: XenLabInfo, appDir: string, extra = '', readyTimeoutSeconds = 240): string {
  return `xen:
  kernel: ${lab.kernelPath}
  hosts:
    - name: xen-a
      address: 127.0.0.1
      port: ${lab.port}
      keyFile: ${lab.voxozKeyPath}
      hostKey: "${lab.hostKeyFingerprint}"
apps:
  - name: hello
    runtime: ling
    source: { path: ${appDir} }
    ling: { memory: 128, extra: "-s hello start", readyLine: "hello ready", readyTimeoutSeconds: ${readyTimeoutSeconds} }
people:
  rita: { local: rita }
  abe: { local: abe }
access:
  grants:
    - { to: [rita], role: deployer }
    - { to: [abe], role: approver }
    - { to: [abe], role: deployer }
approvals:
  rules: [{ verb: rollback }]
worker: { concurrency: 2, attempts: 1 }
${extra}`;
}

export interface Thread {
  state: string;
  outcome?: string;
  messages: Array<{ kind: string; text: string; buttons?: Array<{ label: string; action: string; value: string }> }>;
}

/** The local API of a running voxoz, as the web page and `voxoz say` use it. */
export function localChat(url: string, token: string) {
  const auth = { authorization: `Bearer ${token}` };
  const read = async (thread: string) => (await (await fetch(`${url}/local/threads/${thread}`, { headers: auth })).json()) as Thread;
  const text = (t: Thread) => t.messages.map((m) => m.text).join('\n');
  return {
    read,
    text,
    async say(user: string, line: string): Promise<{ thread: string; job?: string }> {
      const res = await fetch(`${url}/local/commands`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...auth },
        body: JSON.stringify({ user, text: line }),
      });
      if (res.status !== 202) throw new Error(`POST /local/commands answered ${res.status}: ${await res.text()}`);
      return (await res.json()) as { thread: string; job?: string };
    },
    async click(user: string, action: string, value: string) {
      const res = await fetch(`${url}/local/interactions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...auth },
        body: JSON.stringify({ user, action, value }),
      });
      return (await res.json()) as { reply?: { title: string; text?: string } };
    },
    async ended(thread: string, timeoutMs = 600_000): Promise<Thread> {
      await waitUntil(`thread ${thread} to end`, async () => (await read(thread)).state === 'done', timeoutMs, 500);
      return read(thread);
    },
  };
}

/** The app's domains as the lab's own `xl list` shows them (names, sorted). */
export async function labDomains(admin: (cmd: string) => Promise<string>, prefix = 'hello-'): Promise<string[]> {
  const out = await admin('xl list');
  return out
    .split('\n')
    .map((l) => l.split(/\s+/)[0] ?? '')
    .filter((n) => n.startsWith(prefix))
    .sort();
}
