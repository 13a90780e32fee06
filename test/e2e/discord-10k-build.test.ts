import { describe, expect, inject, it } from 'vitest';
import { silentLogger } from '../../src/observability/logger.ts';
import { streamDiscordBuild } from '../../bench/discord-stream-build.ts';

/** A 10,000-line build through the real relay and Discord surface: batched, within every rate limit. */
describe('Discord relay under a 10,000-line build', () => {
  it('relays it with 0 rate-limit breaches, a few dozen calls, and the whole log as a file', async () => {
    const r = await streamDiscordBuild({ redisUrl: inject('redisUrl'), lines: 10_000, buildMs: 12_000, log: silentLogger });
    expect(r.breaches).toBe(0);
    expect(r.invalidRequests).toBe(0);
    expect(r.calls.filter((c) => c.status >= 400)).toEqual([]);
    expect(r.calls.length).toBeLessThan(60);
    expect(r.threadBatches).toBeGreaterThanOrEqual(3);
    expect(r.parentText).toMatch(/big v1 live \(1\/1 healthy\)/);
    const lines = r.logFile.trimEnd().split('\n');
    expect(lines).toHaveLength(10_000);
    expect(lines[0]).toMatch(/#1 \[build 00\/17\] compiling módulo_0 ✓/);
    expect(lines.at(-1)).toMatch(/#10000 /);
    // Per channel: never more than 5 posts in any 5 s of simulator time, in the thread or the channel.
    const posts = r.calls.filter((c) => c.method === 'POST' && c.route === '/channels/:channel/messages');
    for (const [i, c] of posts.entries()) {
      const sameChannel = posts.filter((p, j) => j >= i && p.path === c.path && p.time - c.time < 5000);
      expect(sameChannel.length).toBeLessThanOrEqual(5);
    }
  }, 120_000);
});
