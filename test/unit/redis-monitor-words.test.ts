import { describe, expect, it } from 'vitest';
import { monitorWords } from '../support/redis-monitor.ts';

describe("MONITOR's lines read back (test support)", () => {
  it("undoes Redis's quoting: escaped quotes, backslashes, control and non-ASCII bytes", () => {
    const line = String.raw`+1796678435.195297 [0 127.0.0.1:37050] "evalsha" "abc" "2" "{p}:job:1" "{\"type\":\"done\"}" "a\\b" "x\ny" "caf\xc3\xa9" ""`;
    expect(monitorWords(line)).toEqual(['evalsha', 'abc', '2', '{p}:job:1', '{"type":"done"}', 'a\\b', 'x\ny', 'café', '']);
  });

  it('gives no words for a line that is not a monitored command', () => {
    expect(monitorWords('+OK')).toEqual([]);
  });
});
