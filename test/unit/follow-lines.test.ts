import { describe, expect, it } from 'vitest';
import { engineNanos, engineSince, lineSplitter } from '../../src/drivers/docker/engine-follow.ts';
import type { LogLine } from '../../src/drivers/driver.ts';
import { type FollowSource, linesAfter, mergeFollowed } from '../../src/drivers/follow-lines.ts';
import { followConsole } from '../../src/drivers/ling/follow-console.ts';
import { resolveArg, shortDuration } from '../../src/dispatch/resolve-arg.ts';

const frame = (stream: 1 | 2, payload: Buffer) => {
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
};
const line = (text: string, replica = 0): LogLine => ({ instance: `r${replica}`, replica, release: 1, stream: 'stdout', text });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A source that pushes `texts` one every `everyMs`, then ends by itself if `endsBy` (else waits for its stop). */
const ticking =
  (texts: string[], everyMs: number, endsBy = false, replica = 0): FollowSource =>
  async (push, stop) => {
    for (const t of texts) {
      if (stop.aborted) return;
      push(line(t, replica));
      await sleep(everyMs);
    }
    if (!endsBy) await new Promise((r) => stop.addEventListener('abort', r, { once: true }));
  };

const drain = async (it: AsyncIterable<LogLine>) => {
  const out: string[] = [];
  for await (const l of it) out.push(`${l.replica}:${l.text}`);
  return out;
};

describe('logs --follow: merging followed logs', () => {
  it('yields the lines of every source as they come and ends once every source has ended', async () => {
    const out = await drain(
      mergeFollowed([ticking(['a1', 'a2', 'a3'], 20, true, 0), ticking(['b1', 'b2'], 30, true, 1)], 60, new AbortController().signal),
    );
    expect(out.filter((l) => l.startsWith('0:'))).toEqual(['0:a1', '0:a2', '0:a3']);
    expect(out.filter((l) => l.startsWith('1:'))).toEqual(['1:b1', '1:b2']);
    expect(out[0]).toBe('0:a1');
  });

  it('ends when the time is up, stopping the sources', async () => {
    let stopped = false;
    const endless: FollowSource = async (push, stop) => {
      push(line('first'));
      await new Promise((r) => stop.addEventListener('abort', r, { once: true }));
      stopped = true;
    };
    const began = Date.now();
    expect(await drain(mergeFollowed([endless], 1, new AbortController().signal))).toEqual(['0:first']);
    expect(Date.now() - began).toBeGreaterThanOrEqual(900);
    expect(stopped).toBe(true);
  });

  it('ends on the signal, also one aborted before it began, and leaves behind a source that does not stop', async () => {
    const cancel = new AbortController();
    const lines = mergeFollowed([ticking(['x', 'y', 'z', 'w'], 50)], 60, cancel.signal);
    setTimeout(() => cancel.abort('carol'), 80);
    expect(await drain(lines)).toEqual(['0:x', '0:y']);
    expect(await drain(mergeFollowed([ticking(['never'], 10)], 60, AbortSignal.abort()))).toEqual([]);
    const deaf: FollowSource = async (push) => {
      push(line('deaf'));
      await sleep(10_000);
    };
    const began = Date.now();
    expect(await drain(mergeFollowed([deaf], 60, AbortSignal.timeout(50)))).toEqual(['0:deaf']);
    expect(Date.now() - began).toBeLessThan(5000);
  });
});

describe('logs --follow: replicas that start meanwhile', () => {
  it('follows a replica found by a later look, and ends only once a look after the last end finds none', async () => {
    let looks = 0;
    // The first replica writes two lines and stops; a replacement shows up at the second look.
    const discover = async () => {
      looks += 1;
      return looks === 2 ? [ticking(['n1', 'n2'], 20, true, 1)] : [];
    };
    const out = await drain(mergeFollowed([ticking(['o1', 'o2'], 40, true, 0)], 60, new AbortController().signal, discover, 30));
    expect(out.filter((l) => l.startsWith('0:'))).toEqual(['0:o1', '0:o2']);
    expect(out.filter((l) => l.startsWith('1:'))).toEqual(['1:n1', '1:n2']);
    // It did not end when the first source ended: it looked again, and ended after a look found nothing.
    expect(looks).toBeGreaterThanOrEqual(3);
  });

  it('looks once more when every source ended before the next look, and takes what it finds', async () => {
    let looks = 0;
    const discover = async () => {
      looks += 1;
      return looks === 1 ? [ticking(['late'], 5, true, 2)] : [];
    };
    // Looks are 10 s apart: only the look made when the first source ended can find the replacement.
    const out = await drain(mergeFollowed([ticking(['only'], 5, true, 0)], 60, new AbortController().signal, discover, 10_000));
    expect(out).toEqual(['0:only', '2:late']);
    expect(looks).toBe(2);
  });

  it('keeps following when a look fails, and looks no more once the follow is over', async () => {
    let looks = 0;
    const discover = async () => {
      looks += 1;
      if (looks === 1) throw new Error('engine busy');
      return looks === 2 ? [ticking(['found'], 5, false, 3)] : [];
    };
    const out = await drain(mergeFollowed([ticking(['a', 'b', 'c'], 30)], 3, new AbortController().signal, discover, 500));
    expect(out.filter((l) => l.startsWith('0:'))).toEqual(['0:a', '0:b', '0:c']);
    // The second look (at ~1 s) found one after the first failed: it is followed until the time is up.
    expect(out).toContain('3:found');
    const after = looks;
    await sleep(1200);
    // Once the follow is over nobody looks any more.
    expect(looks).toBe(after);
  });
});

describe('the new lines of a console read again', () => {
  it('finds where the new read goes on from the last, and says when nothing of it is left', () => {
    expect(linesAfter([], ['a', 'b'])).toEqual({ lines: ['a', 'b'], gap: false });
    expect(linesAfter(['a', 'b', 'c'], ['a', 'b', 'c'])).toEqual({ lines: [], gap: false });
    expect(linesAfter(['a', 'b', 'c'], ['b', 'c', 'd'])).toEqual({ lines: ['d'], gap: false });
    expect(linesAfter(['a', 'b'], ['a', 'b', 'c', 'd'])).toEqual({ lines: ['c', 'd'], gap: false });
    expect(linesAfter(['a', 'b', 'c'], ['c', 'x', 'y'])).toEqual({ lines: ['x', 'y'], gap: false });
    expect(linesAfter(['a', 'b', 'c'], ['x', 'y', 'z'])).toEqual({ lines: ['x', 'y', 'z'], gap: true });
  });

  it('follows a console by reading its tail again, and ends when it can no longer be read', async () => {
    const console: string[] = ['boot 1', 'boot 2', 'boot 3'];
    let reads = 0;
    const host = {
      async consoleTail(_domain: string, lines: number) {
        reads += 1;
        if (reads === 4) throw new Error('domain hello-production-v1-0 does not exist');
        return console.slice(-lines);
      },
    };
    const pushed: LogLine[] = [];
    const source = followConsole(host, 'hello-production-v1-0', { instance: 'hello-production-v1-0', replica: 0, release: 1 }, 2, {
      everyMs: 30,
    });
    const done = source((l) => pushed.push(l), new AbortController().signal);
    await sleep(15);
    console.push('request 1', 'request 2');
    await sleep(30);
    console.push('request 3');
    await done;
    expect(pushed.map((l) => `${l.stream} ${l.text}`)).toEqual([
      'stdout boot 2',
      'stdout boot 3',
      'stdout request 1',
      'stdout request 2',
      'stdout request 3',
      'ended its console could not be read further (the domain was destroyed?): domain hello-production-v1-0 does not exist',
    ]);
  });
});

describe('a followed console whose domain goes', () => {
  it('says first that it is new, and ends after one last read once its domain is no longer listed (the log file outlives it)', async () => {
    const log = ['boot', 'ready'];
    let listed = true;
    const host = { consoleTail: async (_d: string, lines: number) => log.slice(-lines) };
    const pushed: LogLine[] = [];
    const replica = { instance: 'hello-production-v2-0', replica: 0, release: 2 };
    const source = followConsole(host, replica.instance, replica, 200, { everyMs: 20, started: 'new', gone: () => !listed });
    const done = source((l) => pushed.push(l), new AbortController().signal);
    await sleep(30);
    log.push('last words');
    listed = false;
    await done;
    expect(pushed.map((l) => `${l.stream} ${l.text}`)).toEqual([
      'started new',
      'stdout boot',
      'stdout ready',
      'stdout last words',
      'ended the domain is gone (a deploy, scale, rollback or restart replaced it?)',
    ]);
  });
});

describe('a followed Engine log, chunk by chunk', () => {
  it('puts together frames, lines and characters cut between chunks, per stream', () => {
    const split = lineSplitter();
    const all = Buffer.concat([
      frame(1, Buffer.from('out é one\nout t')),
      frame(2, Buffer.from('err\n')),
      frame(1, Buffer.from('wo\r\nlast')),
    ]);
    const got = [];
    // One byte at a time: the header, the payload and the two-byte é are all cut.
    for (let i = 0; i < all.length; i++) got.push(...split.push(all.subarray(i, i + 1)));
    got.push(...split.end());
    expect(got).toEqual([
      { stream: 'stdout', text: 'out é one' },
      { stream: 'stderr', text: 'err' },
      { stream: 'stdout', text: 'out two' },
      { stream: 'stdout', text: 'last' },
    ]);
  });

  it('reads a stream with no frame headers (a TTY container) as stdout', () => {
    const split = lineSplitter();
    expect([...split.push(Buffer.from('plain te')), ...split.push(Buffer.from('xt\nmore')), ...split.end()]).toEqual([
      { stream: 'stdout', text: 'plain text' },
      { stream: 'stdout', text: 'more' },
    ]);
  });

  it("reads the engine's times to the nanosecond, and gives one back as its `since` (a log read again from its last line)", () => {
    expect(engineNanos('2026-12-07T21:50:01.123456789Z')).toBe(1796680201123456789n);
    expect(engineNanos('2026-12-07T21:50:01.5Z')).toBe(1796680201500000000n);
    expect(engineNanos('2026-12-07T22:50:01+01:00')).toBe(1796680201000000000n);
    // Docker's zero time (a container that never exited) and anything else: none.
    expect(engineNanos('0001-01-01T00:00:00Z')).toBeUndefined();
    expect(engineNanos('yesterday')).toBeUndefined();
    expect(engineSince(1796680201000000042n)).toBe('1796680201.000000042');
  });
});

describe('a duration option with a bound', () => {
  it('takes up to its max and names the bound in the problem', () => {
    expect(resolveArg('duration', '10m', { appNames: [] }, { max: 600 })).toEqual({ ok: true, value: 600 });
    expect(resolveArg('duration', '11m', { appNames: [] }, { max: 600 })).toEqual({
      ok: false,
      problem: '"11m" is not a duration of 1s..10m; write it like 30s or 5m',
    });
    expect(resolveArg('duration', '31d', { appNames: [] })).toMatchObject({ ok: false, problem: expect.stringContaining('1s..30d') });
    expect([shortDuration(600), shortDuration(90), shortDuration(7200), shortDuration(30 * 86_400)]).toEqual(['10m', '90s', '2h', '30d']);
  });
});
