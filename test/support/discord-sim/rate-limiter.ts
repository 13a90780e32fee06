import { createHash } from 'node:crypto';
import type { SimClock } from './clock.ts';
import type { RateLimitOptions, RateWindow } from './types.ts';

/** Discord's defaults: 50 req/s global, 5 messages per 5 s per channel, 10,000 invalid per 10 min. */
export const DEFAULT_RATE_LIMITS: RateLimitOptions = {
  globalPerSecond: 50,
  channelMessages: { limit: 5, windowMs: 5000 },
  defaultRoute: { limit: 50, windowMs: 1000 },
  invalidRequestsPer10Min: 10_000,
};

interface Bucket {
  count: number;
  resetAt: number;
}

/** The outcome of charging a request against its bucket and the global limit. */
export interface RateDecision {
  headers: Record<string, string>;
  /** Set when the request must be answered 429. */
  limited?: { global: boolean; retryAfterMs: number };
}

/**
 * Fixed-window buckets per route template + major parameter (like Discord's
 * `X-RateLimit-Bucket` hashes), a global per-second window, and the invalid-request tally.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private global: Bucket = { count: 0, resetAt: 0 };
  private invalid: number[] = [];
  breaches = 0;

  constructor(
    readonly opts: RateLimitOptions,
    private readonly clock: SimClock,
  ) {}

  /** Charges one request. `bucketRoute` names the bucket; `major` is the major parameter. */
  charge(bucketRoute: string, major: string, win: RateWindow, countsGlobal: boolean): RateDecision {
    const now = this.clock.now();
    if (countsGlobal) {
      if (now >= this.global.resetAt) this.global = { count: 0, resetAt: now + 1000 };
      if (this.global.count >= this.opts.globalPerSecond) {
        this.breaches += 1;
        const retryAfterMs = this.global.resetAt - now;
        return {
          headers: { 'X-RateLimit-Global': 'true', 'X-RateLimit-Scope': 'global', 'Retry-After': secs(retryAfterMs) },
          limited: { global: true, retryAfterMs },
        };
      }
      this.global.count += 1;
    }
    const key = `${bucketRoute}|${major}`;
    let b = this.buckets.get(key);
    if (!b || now >= b.resetAt) {
      b = { count: 0, resetAt: now + win.windowMs };
      this.buckets.set(key, b);
    }
    const hash = createHash('sha1').update(bucketRoute).digest('hex').slice(0, 16);
    const resetAfter = b.resetAt - now;
    const headers: Record<string, string> = {
      'X-RateLimit-Limit': String(win.limit),
      'X-RateLimit-Reset': (b.resetAt / 1000).toFixed(3),
      'X-RateLimit-Reset-After': (resetAfter / 1000).toFixed(3),
      'X-RateLimit-Bucket': hash,
    };
    if (b.count >= win.limit) {
      this.breaches += 1;
      headers['X-RateLimit-Remaining'] = '0';
      headers['X-RateLimit-Scope'] = 'user';
      headers['Retry-After'] = secs(resetAfter);
      return { headers, limited: { global: false, retryAfterMs: resetAfter } };
    }
    b.count += 1;
    headers['X-RateLimit-Remaining'] = String(win.limit - b.count);
    return { headers };
  }

  /** Records a 401/403/429 answer, as Discord's Cloudflare ban counts them. */
  noteInvalid(): void {
    this.invalid.push(this.clock.now());
  }

  /** Invalid requests within the last 10 minutes. */
  invalidCount(): number {
    const since = this.clock.now() - 600_000;
    this.invalid = this.invalid.filter((t) => t > since);
    return this.invalid.length;
  }

  /** True once the invalid-request budget is spent (every request is then refused). */
  banned(): boolean {
    return this.invalidCount() >= this.opts.invalidRequestsPer10Min;
  }
}

/** Seconds as Discord writes them in `Retry-After` (whole seconds, at least 1). */
function secs(ms: number): string {
  return String(Math.max(1, Math.ceil(ms / 1000)));
}
