import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestVoxoz, type TestVoxoz } from '../support/start-voxoz.ts';

let voxoz: TestVoxoz;
beforeAll(async () => { voxoz = await startTestVoxoz(); });
afterAll(async () => { await voxoz?.close(); });

const post = (path: string, body: string, type = 'application/json') => fetch(`${voxoz.url}${path}`, { method: 'POST', headers: { 'content-type': type }, body });

describe('local chat API', () => {
  it.each([
    ['malformed JSON', 'not json', 400, 'the body is not valid JSON'],
    ['a JSON array', '[1,2]', 400, 'the body must be a JSON object'],
    ['a user name with a space', JSON.stringify({ user: 'a b', text: 'help' }), 400, '"user" must be 1..32 letters, digits, ".", "_" or "-"'],
    ['a missing text', JSON.stringify({ user: 'alice' }), 400, '"text" must be the command as a string, e.g. "deploy hello"'],
    ['a 20 KB body', JSON.stringify({ user: 'alice', text: 'x'.repeat(20_000) }), 413, 'the body is larger than 16384 bytes'],
  ])('refuses %s', async (_what, body, status, error) => {
    const res = await post('/local/commands', body);
    expect(res.status).toBe(status);
    expect(await res.json()).toEqual({ error });
  });

  it('answers a command in a thread and closes it; the thread can be read and followed', async () => {
    const res = await post('/local/commands', JSON.stringify({ user: 'alice', text: 'help deploy' }));
    expect(res.status).toBe(202);
    const { thread } = (await res.json()) as { thread: string };
    const read = (await (await fetch(`${voxoz.url}/local/threads/${thread}`)).json()) as { state: string; outcome: string; messages: Array<{ kind: string; text: string }> };
    expect(read).toMatchObject({ state: 'done', outcome: 'answered' });
    expect(read.messages.map((m) => m.kind)).toEqual(['command', 'answer']);
    expect(read.messages[1]!.text).toContain('Usage: voxoz deploy <app> [ref] [--env <env>]');
    const events = await (await fetch(`${voxoz.url}/local/threads/${thread}/events`)).text();
    expect(events).toMatch(/^event: message\ndata: .*"kind":"command"[\s\S]*event: message\ndata: .*"kind":"answer"[\s\S]*event: end\ndata: .*"outcome":"answered"/);
  });

  it('says when a thread does not exist, and what routes there are', async () => {
    expect((await fetch(`${voxoz.url}/local/threads/t-nope`)).status).toBe(404);
    const missing = await fetch(`${voxoz.url}/local/nothing`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: 'no route for GET /local/nothing' });
  });

  it('serves the web page and a health check', async () => {
    const page = await fetch(`${voxoz.url}/`);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('<title>voxoz</title>');
    expect(await (await fetch(`${voxoz.url}/healthz`)).json()).toEqual({ ok: true });
  });

  it('button presses go through the dispatcher: an unknown job is said to be unknown', async () => {
    const res = await post('/local/interactions', JSON.stringify({ user: 'alice', action: 'cancel', value: 'no-such-job' }));
    expect(((await res.json()) as { reply: { text: string } }).reply.text).toBe('there is no job no-such-job; it may have expired');
  });
});
