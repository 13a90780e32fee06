import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '../../src/services/wait-until.ts';
import { httpOnce } from '../support/http-once.ts';
import { startTestVoxoz, type TestVoxoz } from '../support/start-voxoz.ts';

/**
 * releases, jobs, cancel, lock, lock status, unlock and restart through the local HTTP API of a whole
 * voxoz (the composition root's wiring, real Redis, the private dockerd deploying examples/hello).
 */
let voxoz: TestVoxoz;
beforeAll(async () => {
  voxoz = await startTestVoxoz();
});
afterAll(async () => {
  await voxoz?.close();
});

interface Thread {
  state: string;
  outcome?: string;
  messages: Array<{ kind: string; text: string }>;
}
const auth = () => ({ authorization: `Bearer ${voxoz.localToken}` });

async function say(user: string, text: string): Promise<{ thread: string; job?: string }> {
  const res = await fetch(`${voxoz.url}/local/commands`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...auth() },
    body: JSON.stringify({ user, text }),
  });
  expect(res.status).toBe(202);
  return (await res.json()) as { thread: string; job?: string };
}
const read = async (thread: string) => (await (await fetch(`${voxoz.url}/local/threads/${thread}`, { headers: auth() })).json()) as Thread;

/** The text of an answered command (the thread is closed at once). */
async function answer(user: string, text: string): Promise<string> {
  const { thread, job } = await say(user, text);
  expect(job, `"${text}" was queued`).toBeUndefined();
  const t = await read(thread);
  expect(t.state).toBe('done');
  return t.messages.find((m) => m.kind === 'answer')!.text;
}

async function ended(thread: string, timeoutMs = 120_000): Promise<Thread> {
  await waitUntil(`thread ${thread} to end`, async () => (await read(thread)).state === 'done', timeoutMs, 100);
  return read(thread);
}

describe('the chat verbs through the local API', () => {
  it('lock refuses a deploy, unlock lets it through; jobs shows it, cancel follows the button rule, releases shows it live', async () => {
    expect(await answer('alice', 'releases hello')).toContain('Nothing was deployed yet; "deploy hello" makes v1.');
    expect(await answer('alice', 'lock hello "demo at 3pm"')).toContain('Reason: demo at 3pm.');
    expect(await answer('bob', 'lock status')).toMatch(
      /hello \(production\): locked by alice since \d{4}-\d\d-\d\d \d\d:\d\d UTC: demo at 3pm/,
    );
    expect(await answer('bob', 'deploy hello')).toMatch(
      /hello \(production\) is locked by alice since .*: demo at 3pm\. Nothing was changed/,
    );
    expect(await answer('bob', 'unlock hello')).toMatch(/bob removed alice's lock \(since .*: demo at 3pm\); this is recorded/);
    expect(await answer('bob', 'lock status')).toContain('Nothing is locked.');

    const deploy = await say('bob', 'deploy hello');
    expect(deploy.job).toBeDefined();
    const listed = await answer('carol', 'jobs');
    expect(listed).toMatch(new RegExp(`${deploy.job} +(running|#1 queued) +deploy hello +production +bob`));
    expect(await answer('carol', `cancel ${deploy.job}`)).toContain(
      'only bob, who started "deploy hello", or an admin of hello/production may cancel it',
    );
    const done = await ended(deploy.thread);
    expect(done.outcome).toBe('succeeded');
    expect(await answer('carol', 'jobs hello')).toContain('No job is running or queued.');
    expect(await answer('bob', `cancel ${deploy.job}`)).toContain(`Job ${deploy.job} already finished; nothing to cancel.`);
    const ledger = await answer('carol', 'releases hello');
    expect(ledger).toContain('* marks the live release: v1.');
    expect(ledger).toMatch(/\* v1 +live +\S+ \([0-9a-f]{12}\) +- +local:bob +\d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    // logs and deploy --dry-run are jobs like deploy: the thread has the lines, the parent the outcome.
    const logs = await ended((await say('carol', 'logs hello --tail 5')).thread);
    expect(logs.outcome).toBe('succeeded');
    expect(
      logs.messages
        .filter((m) => m.kind === 'log')
        .map((m) => m.text)
        .join('\n'),
    ).toMatch(/v1-0 out \| hello v1 listening on 127\.0\.0\.1:\d+/);
    // --follow: the lines written after it began come into the thread; a Cancel ends it as done (it changed nothing).
    expect(await answer('carol', 'logs hello --follow 1h')).toContain(
      '--follow: "1h" is not a duration of 1s..10m; write it like 30s or 5m',
    );
    const following = await say('carol', 'logs hello --tail 3 --follow 1m');
    const lines = async () =>
      (await read(following.thread)).messages
        .filter((m) => m.kind === 'log')
        .map((m) => m.text)
        .join('\n');
    // It has begun once its backlog (the last 3 lines) is in: the requests after that are new lines.
    await waitUntil('the follow to begin', async () => /following for 1 min[\s\S]*v1-0 (out|err) \|/.test(await lines()), 30_000, 100);
    for (let i = 0; i < 3; i++) expect(await httpOnce(`127.0.0.1:${voxoz.appPort}`, 5000, '/not-here')).toMatch(/^404 /);
    await waitUntil(
      'the new lines in the thread',
      async () => ((await lines()).match(/v1-0 err \| .*response:404/g) ?? []).length === 3,
      30_000,
      100,
    );
    // A second follow on this worker is refused at once: its other slot is kept for every other job, which still runs.
    const second = await ended((await say('dave', 'logs hello --follow 30s')).thread, 15_000);
    expect(second.outcome).toBe('failed');
    expect(second.messages.find((m) => m.kind === 'parent')?.text).toContain(
      `this worker already follows 1 log (job ${following.job}: logs hello by carol), as many as it runs at once`,
    );
    expect((await ended((await say('dave', 'logs hello --tail 1')).thread, 15_000)).outcome).toBe('succeeded');
    expect(await answer('carol', `cancel ${following.job}`)).toContain(
      `Job ${following.job} stopping; it only reads, so there is nothing to undo.`,
    );
    const followed = await ended(following.thread, 15_000);
    expect(followed.outcome).toBe('succeeded');
    expect(await lines()).not.toContain('could no longer undo');
    expect(followed.messages.find((m) => m.kind === 'parent')?.text).toMatch(
      /logs hello \(production\): \d+ lines from 1 replica[\s\S]*last 3 per replica, then followed for \d+ s until carol cancelled it/,
    );
    const dry = await ended((await say('carol', 'deploy hello --dry-run')).thread);
    expect(dry.messages.find((m) => m.kind === 'parent')?.text).toContain(
      'dry run: hello (production) would build and deploy v2; nothing was changed',
    );
    expect(await answer('carol', 'releases hello')).toContain('hello (production): 1 release');
    // restart: the live image started afresh as a new release, recorded as such.
    const restarted = await ended((await say('bob', 'restart hello')).thread);
    expect(restarted.outcome).toBe('succeeded');
    expect(restarted.messages.find((m) => m.kind === 'parent')?.text).toContain('hello v2 live: restart of v1 (1/1 healthy)');
    expect(await answer('carol', 'releases hello')).toMatch(/\* v2 +live, restart of v1 +\S+/);
    expect(await answer('carol', 'help')).toMatch(
      /releases <app>[\s\S]*restart <app>[\s\S]*promote <app> <from-env> <to-env>[\s\S]*logs <app>[\s\S]*jobs \[app\][\s\S]*cancel <job>[\s\S]*lock status \[app\][\s\S]*unlock <app>/,
    );
  });

  it('a follow does not hold up a stop: it ends as voxoz begins to stop, not after the 30 s drain', async () => {
    const following = await say('carol', 'logs hello --tail 1 --follow 10m');
    await waitUntil(
      'the follow to begin',
      async () => (await read(following.thread)).messages.some((m) => m.kind === 'log' && m.text.includes('following for 10 min')),
      30_000,
      100,
    );
    const began = Date.now();
    await voxoz.close();
    expect(Date.now() - began).toBeLessThan(15_000);
  });
});
