import { describe, expect, it } from 'vitest';
import { createLogCap, MAX_LINE_CHARS } from '../../src/jobs/log-cap.ts';

const log = (line: string) => ({ type: 'log' as const, at: 't', line });

describe('createLogCap', () => {
  it('passes lines until the line limit, then keeps only the tail and says so once', () => {
    const cap = createLogCap({ bytes: 1_000_000, lines: 100, tailLines: 3 });
    const kept = Array.from({ length: 1000 }, (_, i) => cap.admit(log(`line ${i}`))).filter(Boolean);
    expect(kept).toHaveLength(100);
    expect(kept.at(-1)!.line).toBe('line 99');
    const drained = cap.drain('end').map((e) => e.line);
    expect(drained).toEqual([
      '… log truncated after 0.00 MB / 100 lines (worker.logLimit: 1000000 bytes, 100 lines); 897 lines dropped, the last 3 follow …',
      'line 997',
      'line 998',
      'line 999',
    ]);
    expect(cap.drain('end')).toEqual([]);
  });

  it('stops at the byte limit (UTF-8 bytes, newline included) and keeps the order of the tail ring', () => {
    const cap = createLogCap({ bytes: 4096, lines: 1_000_000, tailLines: 2 });
    const line = 'é'.repeat(100); // 201 bytes with its newline
    let kept = 0;
    for (let i = 0; i < 50; i++) if (cap.admit(log(`${line}${i % 10}`))) kept += 1;
    expect(kept).toBe(Math.floor(4096 / 202));
    expect(
      cap
        .drain('end')
        .slice(1)
        .map((e) => e.line.slice(-1)),
    ).toEqual(['8', '9']);
  });

  it('cuts overlong lines and can keep no tail at all', () => {
    const cap = createLogCap({ bytes: 1_000_000, lines: 1, tailLines: 0 });
    expect(cap.admit(log('x'.repeat(MAX_LINE_CHARS * 3)))!.line).toHaveLength(MAX_LINE_CHARS);
    expect(cap.admit(log('dropped'))).toBeUndefined();
    expect(cap.drain('end').map((e) => e.line)).toEqual([expect.stringMatching(/; 1 line dropped, the last 0 follow …$/)]);
  });
});
