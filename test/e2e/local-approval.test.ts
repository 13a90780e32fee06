import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { approvalYaml, EXPIRES, helloCopy, servedPage } from '../support/approval-flow.ts';
import { jobIds } from '../support/job-ids.ts';
import { startLocalPage } from '../support/local-page-harness.ts';
import { BIN, ROOT } from '../support/spawn-voxoz.ts';
import { startTestVoxoz, type TestVoxoz } from '../support/start-voxoz.ts';
import { waitFor } from '../support/wait-for.ts';

/**
 * A rollback approved by button on the local web page: the page's own script (buttons, the
 * Reject prompt, alerts) against a whole voxoz, its local API and the real engine; late clicks
 * and the reason's bounds through the API the page calls.
 */
describe('the local page: a rollback waits for an approver, and a Reject carries its reason', () => {
  let voxoz: TestVoxoz | undefined;
  let hello: ReturnType<typeof helloCopy>;
  let page: ReturnType<typeof startLocalPage>;
  beforeAll(async () => {
    hello = helloCopy();
    voxoz = await startTestVoxoz({
      yaml: approvalYaml(hello.dir, { rita: { local: 'rita' }, abe: { local: 'abe' }, stan: { local: 'stan' } }),
    });
    page = startLocalPage(voxoz.url, voxoz.localToken!);
  });
  afterAll(async () => {
    page?.close();
    await voxoz?.close();
    hello?.remove();
  });

  const metric = (sample: string) => metricOf(voxoz!.url, sample);
  /** The message the page shows matching `re` (newest command first), once it does. */
  const shown = (what: string, re: RegExp, ms = 30_000) => waitFor(what, () => page.messages().find((m) => re.test(m.text)), ms);
  const auth = () => ({ authorization: `Bearer ${voxoz!.localToken}` });
  const click = async (user: string, action: string, value: string, reason?: unknown) => {
    const res = await fetch(`${voxoz!.url}/local/interactions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth() },
      body: JSON.stringify({ user, action, value, ...(reason !== undefined ? { reason } : {}) }),
    });
    return { status: res.status, body: (await res.json()) as { reply?: { title: string; text?: string }; error?: string } };
  };
  const deploy = async (n: number) => {
    hello.bake(n);
    await page.send('rita', 'deploy hello');
    await shown(`hello v${n} live`, new RegExp(`hello v${n} live`), 120_000);
    expect(await servedPage(voxoz!.appPort)).toContain(`hello from release v${n}`);
  };
  const approvalIdOf = (text: string) => /approval: (apv-\S+)/.exec(text)?.[1] ?? 'none';

  it('deploy v1, v2; rollback asked by rita; stan and rita refused; abe approves; the rollback runs in the thread and v1 serves', async () => {
    await deploy(1);
    await deploy(2);
    await page.send('rita', 'rollback hello');
    await shown('the answer', /rollback hello\/production from v2 to v1: waiting for approval/);
    const REQUEST = /approval needed: rollback hello\/production from v2 to v1/;
    const request = await shown('the approval message', REQUEST);
    expect(request.text).toContain('rita asked for this');
    expect(request.text).toMatch(EXPIRES);
    expect(request.buttons.map((b) => b.label)).toEqual(['Approve', 'Reject']);
    const id = approvalIdOf(request.text);

    expect(await page.press(REQUEST, 'Approve', 'stan')).toMatch(/approve: not allowed\nyou need approver on hello\/production/);
    expect(await page.press(REQUEST, 'Approve', 'rita')).toMatch(/approve: not allowed\n.*someone else with approver on hello\/production/);
    expect(await page.press(REQUEST, 'Approve', 'abe')).toMatch(/: approved\nApproved; job \S+ runs in the request/);
    const rewritten = await shown('the request to say approved', /approved by abe/);
    expect(rewritten.buttons).toEqual([]);
    await shown('the rollback job in the same thread', /hello v3 live: rollback of v1 \(1\/1 healthy\)/, 120_000);
    expect(await servedPage(voxoz!.appPort)).toContain('hello from release v1');
    // The channel's list names the thread by what it ended with: the job, not the request.
    const listed = () =>
      waitFor('the thread to end', async () => {
        const { threads } = (await (await fetch(`${voxoz!.url}/local/channels/local/threads`, { headers: auth() })).json()) as {
          threads: Array<{ state: string; outcome?: string; title: string }>;
        };
        const thread = threads.find((t) => /rollback/.test(t.title));
        return thread?.state === 'done' ? thread : undefined;
      });
    expect(await listed()).toMatchObject({ outcome: 'succeeded', title: expect.stringMatching(/hello v3 live: rollback of v1/) });

    // A late click, from a client that still shows the buttons.
    const late = await click('abe', 'approve', id);
    expect(late.body.reply?.title).toBe('approve: already decided');
    expect(late.body.reply?.text).toMatch(/^Approved by abe at/);
    expect(page.prompts).toEqual([]);
    // Counted once in /metrics: the decision, and the rollback it ran.
    expect(await metric('voxoz_approvals_total{outcome="approved"}')).toBe(1);
    expect(await metric('voxoz_rollbacks_total{app="hello",env="production",outcome="succeeded"}')).toBe(1);
  }, 300_000);

  it('Reject asks for a reason with prompt(); Cancel sends nothing; the reason rewrites the request; an empty one withdraws; nothing runs', async () => {
    const jobsBefore = (await jobIds(inject('redisUrl'), voxoz!.queueName)).filter((j) => !j.startsWith('apv-'));
    await page.send('rita', 'rollback hello');
    const REQUEST = /approval needed: rollback hello\/production from v3 to v2/;
    const request = await shown('the approval message', REQUEST);
    expect(await page.press(REQUEST, 'Reject', 'abe', null)).toBe('');
    expect(page.prompts).toEqual(['Reject: why? (optional, shown in the request; at most 500 characters)']);
    expect((await shown('the request, still pending', REQUEST)).buttons.map((b) => b.label)).toEqual(['Approve', 'Reject']);

    const id = approvalIdOf(request.text);
    const tooLong = await click('abe', 'reject', id, 'x'.repeat(501));
    expect([tooLong.status, tooLong.body.error]).toEqual([
      400,
      '"reason" must be a string of at most 500 characters (why a Reject rejects)',
    ]);
    expect((await click('abe', 'reject', id, 42)).status).toBe(400);

    expect(await page.press(REQUEST, 'Reject', 'abe', 'v2 has the login bug')).toMatch(
      /from v3 to v2: rejected\nRejected; nothing was done/,
    );
    const rejected = await shown('the request to say rejected', /rejected by abe/);
    expect(rejected.text).toMatch(/Rejected by abe at \d{4}-\d\d-\d\d \d\d:\d\d UTC: v2 has the login bug\. Nothing was done\./);
    expect(rejected.buttons).toEqual([]);
    expect((await click('abe', 'approve', id)).body.reply?.text).toMatch(/^Rejected by abe at .*: v2 has the login bug/);

    await page.send('rita', 'rollback hello');
    await shown('a second request', /approval needed: rollback hello\/production from v3 to v2[\s\S]*\[Approve\] \[Reject\]/);
    expect(await page.press(/approval needed[\s\S]*\[Approve\] \[Reject\]/, 'Reject', 'rita', '   ')).toMatch(/rejected/);
    await shown('the request withdrawn', /Rejected by rita at \d{4}-\d\d-\d\d \d\d:\d\d UTC\. Nothing was done\./);

    await new Promise((r) => setTimeout(r, 3000));
    expect((await jobIds(inject('redisUrl'), voxoz!.queueName)).filter((j) => !j.startsWith('apv-'))).toEqual(jobsBefore);
    expect(await servedPage(voxoz!.appPort)).toContain('hello from release v1');
    expect(await metric('voxoz_approvals_total{outcome="rejected"}')).toBe(2);
  }, 60_000);

  it('voxoz say follows a request that waits: through the decision to the approved job’s end (exit 0), or to the Reject (exit 1)', async () => {
    /** `voxoz say --user <user> <text>` run as a user runs it; `exited` once it ends, with its code and output (`live` as it comes). */
    const sayAs = (user: string, text: string) => {
      const run = { exited: false, code: -1, out: '', live: '' };
      let child: ReturnType<typeof execFile> | undefined;
      const done = new Promise<typeof run>((resolve) => {
        child = execFile(
          'node',
          [BIN, 'say', '--url', voxoz!.url, '--user', user, text],
          { cwd: ROOT, env: { ...process.env, VOXOZ_TOKEN: voxoz!.localToken }, timeout: 150_000 },
          (error, stdout, stderr) => {
            Object.assign(run, { exited: true, code: error ? Number((error as { code?: number }).code ?? 1) : 0, out: stdout + stderr });
            resolve(run);
          },
        );
        child.stdout?.on('data', (chunk: Buffer) => {
          run.live += chunk.toString();
        });
      });
      return { run, done, child: child! };
    };
    const PENDING = /approval needed: rollback hello\/production from v3 to v2[\s\S]*\[Approve\] \[Reject\]/;

    const approved = sayAs('rita', 'rollback hello');
    await shown('the request', PENDING);
    // The request's answer did not end the thread: the CLI waits for the decision.
    await new Promise((r) => setTimeout(r, 1500));
    expect(approved.run.exited, approved.run.out).toBe(false);
    expect(await page.press(PENDING, 'Approve', 'abe')).toMatch(/: approved\nApproved; job \S+ runs in the request/);
    const { code, out } = await approved.done;
    expect(code, out).toBe(0);
    const at = (re: RegExp) => out.search(re);
    expect(at(/waiting for approval/), out).toBeGreaterThanOrEqual(0);
    expect(at(/approval needed: rollback hello\/production from v3 to v2/)).toBeGreaterThan(at(/waiting for approval/));
    expect(at(/approved by abe/)).toBeGreaterThan(at(/approval needed/));
    expect(
      out
        .trimEnd()
        .split('\n')
        .filter((l) => /^\S/.test(l))
        .at(-1),
    ).toMatch(/^✓ hello v4 live: rollback of v2 \(1\/1 healthy\)/);
    expect(await servedPage(voxoz!.appPort)).toContain('hello from release v2');

    const rejected = sayAs('rita', 'rollback hello');
    const next = /approval needed: rollback hello\/production from v4 to v3[\s\S]*\[Approve\] \[Reject\]/;
    await shown('the next request', next);
    expect(await page.press(next, 'Reject', 'abe', 'not today')).toMatch(/rejected/);
    const refused = await rejected.done;
    expect(refused.code, refused.out).toBe(1);
    expect(
      refused.out
        .trimEnd()
        .split('\n')
        .filter((l) => /^\S/.test(l))
        .at(-1),
    ).toBe('⊘ rollback hello/production from v4 to v3: rejected by abe');
    expect(refused.out).toMatch(/Rejected by abe at .* UTC: not today\. Nothing was done\./);

    // Ctrl-C while the request waits: the request stays, and the CLI says which and how to withdraw it.
    const left = sayAs('rita', 'rollback hello');
    await waitFor('the request in the CLI', () => /approval needed: rollback hello[\s\S]*\[Approve\] \[Reject\]/.test(left.run.live));
    left.child.kill('SIGINT');
    const interrupted = await left.done;
    expect(interrupted.code, interrupted.out).toBe(130);
    const id = /approval (apv-\S+) still waits for a decision in voxoz; voxoz say "reject (apv-\S+)" withdraws it/.exec(interrupted.out);
    expect(id, interrupted.out).not.toBeNull();
    expect(id![1]).toBe(id![2]);
    // Whoever lost the message finds the request, with who asked and until when.
    const listed = await sayAs('abe', 'approvals hello').done;
    expect(listed.code, listed.out).toBe(0);
    expect(listed.out).toContain('approvals (hello): 1 waiting');
    expect(listed.out).toMatch(
      new RegExp(`${id![1]}\\s+rollback hello/production from v4 to v3\\s+rita\\s+abe\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC`),
    );
    const withdrawn = sayAs('rita', `reject ${id![1]}`);
    expect((await withdrawn.done).code, withdrawn.run.out).toBe(0);
    expect(withdrawn.run.out).toMatch(/rejected/);
    expect((await sayAs('abe', 'approvals').done).out).toContain('approvals (all apps): none waiting');
  }, 300_000);
});

/** The value of one sample of voxoz's /metrics, written as it appears there (name and labels). */
async function metricOf(url: string, sample: string): Promise<number | undefined> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${sample} `));
  return line === undefined ? undefined : Number(line.slice(sample.length + 1));
}
