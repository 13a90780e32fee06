import { afterAll, describe, expect, it } from 'vitest';
import type { LocalChatEvent, LocalThread } from '../../adapters/local/local-chat.ts';
import { startTestVoxoz, type TestVoxoz } from '../support/start-voxoz.ts';
import { waitFor } from '../support/wait-for.ts';

const started: TestVoxoz[] = [];
afterAll(async () => {
  for (const v of started.reverse()) await v.close().catch(() => undefined);
});

const auth = (v: TestVoxoz) => ({ authorization: `Bearer ${v.localToken}` });
const getThread = async (v: TestVoxoz, id: string) => {
  const res = await fetch(`${v.url}/local/threads/${id}`, { headers: auth(v) });
  return res.status === 200 ? ((await res.json()) as LocalThread) : undefined;
};

/** Reads a thread's server-sent events until `end` (or the timeout), in the order they came. */
async function follow(v: TestVoxoz, id: string, ms: number): Promise<LocalChatEvent[]> {
  const res = await fetch(`${v.url}/local/threads/${id}/events`, { headers: auth(v), signal: AbortSignal.timeout(ms) });
  expect(res.status).toBe(200);
  const events: LocalChatEvent[] = [];
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      const data = /^data: (.*)$/m.exec(buffer.slice(0, end))?.[1];
      buffer = buffer.slice(end + 2);
      if (data) events.push(JSON.parse(data) as LocalChatEvent);
    }
    if (events.at(-1)?.type === 'end') break;
  }
  return events;
}

describe('local threads live in Redis, shared by every voxoz on the queue', () => {
  it('a thread started through one voxoz is followed live through a second, and survives a restart of the first', async () => {
    const a = await startTestVoxoz();
    started.push(a);
    const env = { VOXOZ_QUEUE: a.queueName };
    const res = await fetch(`${a.url}/local/commands`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth(a) },
      body: JSON.stringify({ user: 'alice', text: 'deploy hello' }),
    });
    expect(res.status).toBe(202);
    const { thread: id } = (await res.json()) as { thread: string };
    // The first voxoz's relay holds the job from its first post on, so every later write is its.
    await waitFor('the parent message', async () => (await getThread(a, id))?.messages.some((m) => m.kind === 'parent'), 30_000);

    const b = await startTestVoxoz({ env });
    started.push(b);
    const snapshot = (await getThread(b, id))!;
    expect(snapshot.messages[0]).toMatchObject({ kind: 'command', author: 'alice', text: 'deploy hello' });
    const events = await follow(b, id, 120_000);
    // The snapshot came first, then what the first voxoz wrote while the second one was following.
    const live = events.filter((e) => e.seq > snapshot.seq);
    expect(live.some((e) => e.type === 'edit' || e.type === 'message')).toBe(true);
    expect(events.at(-1)).toMatchObject({ type: 'end', outcome: 'succeeded' });
    // The stream's own snapshot shares one seq; every event after it is one write: in order, none twice.
    const seqs = events.filter((e) => e.seq > events[0]!.seq).map((e) => e.seq);
    expect(seqs).toEqual([...new Set(seqs)].sort((x, y) => x - y));

    await a.close();
    started.splice(started.indexOf(a), 1);
    const after = (await getThread(b, id))!;
    expect(after.state).toBe('done');
    expect(after.messages.find((m) => m.kind === 'parent')?.text).toMatch(/hello/);
    expect(after.messages.some((m) => m.kind === 'file')).toBe(true);

    const again = await startTestVoxoz({ env });
    started.push(again);
    expect(await getThread(again, id)).toEqual(after);
    expect((await follow(again, id, 10_000)).at(-1)).toMatchObject({ type: 'end', outcome: 'succeeded' });
  }, 240_000);
});
