import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { STARTED_SINCE } from '../../src/drivers/follow-lines.ts';
import { startTestVoxoz, type TestVoxoz } from '../support/start-voxoz.ts';
import { adminOf } from '../support/xenlab/xen-lab.ts';
import { BROKEN_ERLANG_DIR, helloErlangCopy, labDomains, localChat, xenYaml } from '../support/xen-voxoz.ts';
import { waitFor } from '../support/wait-for.ts';

/**
 * The LING runtime against the real Xen 4.17 lab (QEMU, test/support/xenlab): a whole voxoz
 * builds examples/hello-erlang with the erlang-pv builder, and deploys, scales, bursts, rolls
 * back (approved by button), reports and cancels through the local chat, over SSH to the
 * lab's forced-command wrapper. Each case starts from what the one before left.
 */
const lab = inject('xenLab');
const admin = adminOf(lab);
let voxoz: TestVoxoz;
let chat: ReturnType<typeof localChat>;
const hello = helloErlangCopy();
const broken = helloErlangCopy(BROKEN_ERLANG_DIR);
/** hello, started through a module that halts the node (exit 3) 6 s after hello's ready line. */
const crashing = helloErlangCopy();
writeFileSync(
  join(crashing.dir, 'src', 'hello_crash.erl'),
  '-module(hello_crash).\n-export([start/0]).\nstart() ->\n    hello:start(),\n    spawn(fun() -> receive after 6000 -> ok end, io:format("hello: out of widgets~n"), erlang:halt(3) end),\n    ok.\n',
);
/** The lab's voxoz.yml with `health.watchSeconds` set for hello. */
const watchedYaml = (dir: string, seconds: number) =>
  xenYaml(lab, dir).replace('    ling: {', `    health: { watchSeconds: ${seconds} }\n    ling: {`);
const configFile = () => join(voxoz.dir, 'voxoz.yml');
const domains = () => labDomains(admin);
/** `xl list -l` of one domain: its ramdisk (the app image) and command line. */
const domainConfig = async (name: string) => {
  const [d] = JSON.parse(await admin(`xl list -l ${name}`)) as Array<{ config: { b_info: { ramdisk?: string; cmdline: string } } }>;
  return d!.config.b_info;
};
const run = async (user: string, line: string, timeoutMs?: number) => {
  const { thread, job } = await chat.say(user, line);
  const t = await chat.ended(thread, timeoutMs);
  return { thread, job, t, text: chat.text(t) };
};

beforeAll(async () => {
  hello.bake(1);
  voxoz = await startTestVoxoz({ yaml: xenYaml(lab, hello.dir) });
  chat = localChat(voxoz.url, voxoz.localToken!);
});
afterAll(async () => {
  await voxoz?.close();
  // Whatever a failed case left: the lab is shared by the Xen test files.
  for (const d of await labDomains(admin).catch(() => [])) await admin(`xl destroy ${d}`).catch(() => undefined);
  hello.remove();
  broken.remove();
  crashing.remove();
});

describe('LING on Xen: a whole voxoz against the real lab', () => {
  let v1Image = '';

  it('deploy v1: built from .beam files, uploaded once, booted as a domain that prints its ready line; status and logs read xl and the console', async () => {
    // Before any domain runs, logs says so (and what to look at) rather than showing no lines.
    const none = await run('rita', 'logs hello --follow 1m');
    expect(none.t.outcome, none.text).toBe('failed');
    expect(none.text).toContain('no domain of hello (production) is running, so there are no logs to show; "status hello" shows its state');
    const { t, text } = await run('rita', 'deploy hello');
    expect(t.outcome, text).toBe('succeeded');
    expect(text).toMatch(/hello v1 live/);
    expect(text).toMatch(/with the erlang-pv builder/);
    expect(text).toMatch(/uploaded the image [0-9a-f]{12}/);
    expect(text).toMatch(/hello-production-v1-0 on xen-a is ready after/);
    expect(await domains()).toEqual(['hello-production-v1-0']);
    const cfg = await domainConfig('hello-production-v1-0');
    expect(cfg.cmdline).toMatch(/voxoz\.fence=\d+/);
    v1Image = cfg.ramdisk!;
    expect(v1Image).toMatch(/^\/var\/lib\/voxoz-xl\/images\/[0-9a-f]{64}$/);

    const status = await run('rita', 'status hello');
    expect(status.text).toMatch(/hello-production-v1-0\s+v1\s+running\s+healthy\s+\S+\s+xen-a\s+128 MiB, 1 vCPU, [\d.]+ s CPU/);
    const logs = await run('rita', 'logs hello --tail 50');
    expect(logs.text).toContain('hello ready');
    expect(logs.text).toMatch(/hello: OTP \d+/);
    // --follow reads the console again every 2 s: each heartbeat (one per 5 s) once, none lost or doubled.
    const followed = await run('rita', 'logs hello --tail 1 --follow 16s', 60_000);
    expect(followed.t.outcome, followed.text).toBe('succeeded');
    expect(followed.text).toMatch(/then followed for 1[6-9] s as asked/);
    const beats = [...followed.text.matchAll(/v1-0 out \| hello heartbeat (\d+):/g)].map((m) => Number(m[1]));
    expect(beats.length, followed.text).toBeGreaterThanOrEqual(3);
    expect(beats, followed.text).toEqual(beats.map((_, i) => beats[0]! + i));
  });

  it('deploy v2: copy-update-switch — v2 boots beside v1, and v1 is destroyed only after v2 is ready', async () => {
    hello.bake(2);
    const { thread } = await chat.say('rita', 'deploy hello');
    const seen: string[][] = [];
    for (;;) {
      seen.push(await domains());
      if ((await chat.read(thread)).state === 'done') break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    const t = await chat.read(thread);
    const text = chat.text(t);
    expect(t.outcome, text).toBe('succeeded');
    expect(seen.some((s) => s.includes('hello-production-v1-0') && s.includes('hello-production-v2-0'))).toBe(true);
    const ready = text.indexOf('hello-production-v2-0 on xen-a is ready');
    const retired = text.indexOf('destroyed hello-production-v1-0');
    expect(ready).toBeGreaterThan(-1);
    expect(retired).toBeGreaterThan(ready);
    // Never a moment without a domain of the app.
    expect(seen.filter((s) => s.length === 0)).toEqual([]);
    expect(await domains()).toEqual(['hello-production-v2-0']);
  });

  it('a v3 that never becomes ready: its domain is destroyed, v2 keeps running, the thread shows the console tail', async () => {
    // The broken app waits forever for a database: 60 s to print its ready line.
    writeFileSync(configFile(), xenYaml(lab, broken.dir, '', 60));
    expect(voxoz.reload().ok).toBe(true);
    try {
      const { t, text } = await run('rita', 'deploy hello');
      expect(t.outcome, text).toBe('failed');
      expect(text).toContain('hello-production-v3-0 did not print the ready line "hello ready" within 60 s');
      expect(text).toContain("hello-production-v3-0's console, last lines:\nhello: starting; waiting for the database before going ready");
      expect(text).toMatch(/destroyed hello-production-v3-0 on xen-a \(the deploy failed; v2 keeps running\)/);
      expect(await domains()).toEqual(['hello-production-v2-0']);
    } finally {
      writeFileSync(configFile(), xenYaml(lab, hello.dir));
      expect(voxoz.reload().ok).toBe(true);
    }
  });

  it('scale 1 → 3 → 1: new domains of the live release boot and must be ready; fewer destroys the highest first', async () => {
    const up = await run('rita', 'scale hello 3');
    expect(up.t.outcome, up.text).toBe('succeeded');
    expect(await domains()).toEqual(['hello-production-v2-0', 'hello-production-v2-1', 'hello-production-v2-2']);
    const down = await run('rita', 'scale hello 1');
    expect(down.t.outcome, down.text).toBe('succeeded');
    expect(await domains()).toEqual(['hello-production-v2-0']);
  });

  it('burst +1 for 1m adds a domain, and the scale-back job in the same thread destroys it when the minute is up', async () => {
    const { thread } = await chat.say('rita', 'burst hello +1 for 1m');
    await waitFor('the burst domain', async () => (await domains()).length === 2, 300_000);
    expect(await domains()).toEqual(['hello-production-v2-0', 'hello-production-v2-1']);
    // The thread ends with the burst (the scale-back, scheduled in it, counts only once it runs),
    // and again with the scale-back when the minute is up.
    const burst = await chat.ended(thread, 600_000);
    expect(chat.text(burst)).toMatch(/scale hello 1: scheduled for /);
    await waitFor(
      'the scale-back to end in the burst thread',
      async () => {
        const now = await chat.read(thread);
        return now.state === 'done' && /burst ended, back to 1/.test(chat.text(now));
      },
      600_000,
    );
    const text = chat.text(await chat.read(thread));
    expect(text).toMatch(/hello-production-v2-1 on xen-a is ready after/);
    expect(text).toMatch(/destroyed hello-production-v2-1 on xen-a \(scaled to 1\)/);
    expect(await domains()).toEqual(['hello-production-v2-0']);
  });

  it("rollback to v1 waits for an approver's button; approved, it boots v1's image again as a new release", async () => {
    const asked = await chat.say('rita', 'rollback hello');
    const answer = chat.text(await chat.read(asked.thread));
    expect(asked.job).toBeUndefined();
    expect(answer).toMatch(/rollback hello\/production from v2 to v1: waiting for approval/);
    const id = /\((apv-[^)\s]+)\)/.exec(answer)?.[1] ?? 'none';
    // The buttons' own path: the requester may not approve it; an approver may.
    expect((await chat.click('rita', 'approve', id)).reply?.title).toMatch(/not allowed/);
    expect(await domains()).toEqual(['hello-production-v2-0']);
    expect((await chat.click('abe', 'approve', id)).reply?.title).toMatch(/approved/);
    await waitFor('v4 to replace v2', async () => (await domains()).join() === 'hello-production-v4-0', 600_000);
    expect((await domainConfig('hello-production-v4-0')).ramdisk).toBe(v1Image);
    // The domain switches before the job writes its release (the ledger is the deploy's last step).
    await waitFor(
      'the v4 release in the ledger',
      async () => /\*\s*v4\b.*rollback of v1/.test((await run('rita', 'releases hello')).text),
      60_000,
    );
  });

  it('cancel mid-deploy: the new domain is destroyed, the live one keeps running', async () => {
    hello.bake(5);
    const { thread, job } = await chat.say('rita', 'deploy hello');
    await waitFor(
      'the new domain to be created',
      async () => /created hello-production-v5-0/.test(chat.text(await chat.read(thread))),
      300_000,
    );
    const cancel = await chat.read((await chat.say('rita', `cancel ${job}`)).thread);
    expect(chat.text(cancel)).not.toMatch(/not allowed|nothing to cancel/);
    const t = await chat.ended(thread);
    const text = chat.text(t);
    expect(t.outcome, text).toBe('cancelled');
    expect(text).toMatch(/destroyed hello-production-v5-0 on xen-a \(cancelled/);
    expect(await domains()).toEqual(['hello-production-v4-0']);
  });

  it("restart boots the live v4's image afresh as v6 (v5 was cancelled) and destroys v4's domain; a follow meanwhile goes on with v6", async () => {
    const following = await chat.say('rita', 'logs hello --tail 1 --follow 5m');
    const followed = async () => chat.text(await chat.read(following.thread));
    await waitFor('the follow to begin', async () => /v4-0 out \|/.test(await followed()), 60_000);
    const t = await chat.ended((await chat.say('rita', 'restart hello')).thread);
    const text = chat.text(t);
    expect(t.outcome, text).toBe('succeeded');
    expect(text).toMatch(/hello v6 live: restart of v4 \(1\/1 healthy\)/);
    await waitFor('v6 to replace v4', async () => (await domains()).join() === 'hello-production-v6-0', 120_000);
    expect((await domainConfig('hello-production-v6-0')).ramdisk).toBe(v1Image);
    expect((await run('rita', 'releases hello')).text).toMatch(/\*\s*v6\b.*restart of v4/);
    // The follow took up v6's domain when it booted (its console from the start) and told of v4's end.
    await waitFor('v6 in the follow', async () => /v6-0 out \| hello ready/.test(await followed()), 60_000);
    // v4's console log outlives its domain: its part ends once a look no longer lists it.
    const ended = 'v4-0 ended | the domain is gone (a deploy, scale, rollback or restart replaced it?)';
    await waitFor('v4 to end in the follow', async () => (await followed()).includes(ended), 60_000);
    const lines = await followed();
    expect(lines).toContain(`v6-0 started | ${STARTED_SINCE}`);
    await chat.say('rita', `cancel ${following.job}`);
    expect((await chat.ended(following.thread, 60_000)).outcome).toBe('succeeded');
  });

  it('hostile app names, environments and refs are refused in chat before anything reaches the Xen host', async () => {
    const before = Number(await admin('wc -l < /var/log/voxoz-xl.log || echo 0'));
    for (const line of [
      'deploy hello;reboot',
      'deploy ../hello',
      'deploy hello --env "x;y"',
      'scale hello 3;id',
      'logs hello --replica -1',
    ]) {
      const { thread, job } = await chat.say('rita', line);
      expect(job, line).toBeUndefined();
      expect((await chat.read(thread)).state).toBe('done');
    }
    // What reached the host meanwhile (a line per command: `<time> exit=<code> <command>`): only the
    // workers' own periodic reads (reconcile: list, info) may have, nothing of the hostile lines.
    const since = (await admin(`tail -n +${before + 1} /var/log/voxoz-xl.log || true`)).split('\n').filter(Boolean);
    for (const line of since) expect(line).toMatch(/^\S+ exit=0 (list|info)( -l)?$/);
  });

  it('health.watchSeconds: a v7 that halts 6 s after its ready line is destroyed before the switch and v6 keeps running; a v8 that keeps running is switched to after its watch', async () => {
    crashing.bake(7);
    writeFileSync(configFile(), watchedYaml(crashing.dir, 60).replace('-s hello start', '-s hello_crash start'));
    expect(voxoz.reload().ok).toBe(true);
    try {
      const { t, text } = await run('rita', 'deploy hello');
      expect(t.outcome, text).toBe('failed');
      expect(text).toMatch(/hello-production-v7-0 on xen-a is ready after/);
      expect(text).toContain('v7 is ready; watching its 1 domain(s) for 60s: each must keep running before the switch');
      const why =
        /hello-production-v7-0 on xen-a stopped \(its app exited or crashed\) after printing its ready line, ([\d.]+)s into its 60s watch \(health\.watchSeconds\)\. hello-production-v7-0's console, last lines:\n/.exec(
          text,
        );
      expect(why, text).not.toBeNull();
      // Found at a look soon after the halt, not at the watch's end.
      expect(Number(why![1])).toBeLessThan(50);
      // The app's last words and the VM's exit code, not the kernel's panic report that followed.
      expect(text).toContain('console, last lines:\nhello: OTP');
      expect(text).toMatch(
        /hello ready\n(hello heartbeat \d+: .*\n)*hello: out of widgets\n\[voxoz\] the Erlang VM \(the domain's init\) exited with code 3; the kernel then stopped the domain\n/,
      );
      expect(text).not.toContain('Call Trace');
      expect(text).not.toMatch(/hello v7 live/);
      expect(text).toMatch(/destroyed hello-production-v7-0 on xen-a \(the deploy failed; v6 keeps running\)/);
      expect(await domains()).toEqual(['hello-production-v6-0']);
      expect((await run('rita', 'releases hello')).text).toMatch(/\*\s*v6\b/);
    } finally {
      writeFileSync(configFile(), watchedYaml(hello.dir, 8));
      expect(voxoz.reload().ok).toBe(true);
    }
    hello.bake(8);
    const { t, text } = await run('rita', 'deploy hello');
    expect(t.outcome, text).toBe('succeeded');
    const ready = text.indexOf('hello-production-v8-0 on xen-a is ready');
    const watched = text.indexOf("v8's domains kept running for 8s");
    const retired = text.indexOf('destroyed hello-production-v6-0');
    expect(ready, text).toBeGreaterThan(-1);
    expect(watched, text).toBeGreaterThan(ready);
    expect(retired, text).toBeGreaterThan(watched);
    expect(await domains()).toEqual(['hello-production-v8-0']);
  });
});
