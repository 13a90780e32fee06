/**
 * Token-bucket rate limiting with Slack's defaults (see RateLimitOptions in types.ts), and
 * breach counting.
 */
import type { RateLimitOptions, RateRule } from './types.ts';

export const DEFAULT_POST_MESSAGE: RateRule = { burst: 3, perMinute: 60 };
export const DEFAULT_UPDATE: RateRule = { burst: 10, perMinute: 50 };
export const DEFAULT_GENERIC: RateRule = { burst: 20, perMinute: 100 };

interface Bucket {
  tokens: number;
  last: number;
}

/** Decision for one call: allowed, or refused with a Retry-After in seconds. */
export type RateDecision = { allowed: true } | { allowed: false; retryAfter: number };

/** Rate limiter over all methods of one simulated workspace. */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly breachCounts = new Map<string, number>();
  private opts: RateLimitOptions;

  constructor(
    opts: RateLimitOptions = {},
    private readonly now: () => number = Date.now,
  ) {
    this.opts = opts;
  }

  /** Replaces the rules (buckets restart full). */
  configure(opts: RateLimitOptions): void {
    this.opts = opts;
    this.buckets.clear();
  }

  /** The rule and bucket key for a call. */
  private ruleFor(method: string, channel: string | undefined): { rule: RateRule; key: string } {
    const override = this.opts.methods?.[method];
    if (method === 'chat.postMessage') {
      return { rule: override ?? this.opts.postMessagePerChannel ?? DEFAULT_POST_MESSAGE, key: `${method}:${channel ?? ''}` };
    }
    if (override) return { rule: override, key: method };
    if (method === 'chat.update') return { rule: this.opts.update ?? DEFAULT_UPDATE, key: method };
    return { rule: this.opts.generic ?? DEFAULT_GENERIC, key: method };
  }

  /** Takes one token for the call, or tells how long to wait. Refusals count as breaches. */
  take(method: string, channel: string | undefined): RateDecision {
    const { rule, key } = this.ruleFor(method, channel);
    if (rule === 'unlimited') return { allowed: true };
    if (rule === 'always429') return this.breach(method, this.opts.retryAfterSeconds ?? 1);
    const t = this.now();
    const perMs = rule.perMinute / 60_000;
    let b = this.buckets.get(key);
    if (!b) {
      b = { tokens: rule.burst, last: t };
      this.buckets.set(key, b);
    }
    b.tokens = Math.min(rule.burst, b.tokens + (t - b.last) * perMs);
    b.last = t;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return { allowed: true };
    }
    const waitMs = perMs > 0 ? (1 - b.tokens) / perMs : 60_000;
    return this.breach(method, this.opts.retryAfterSeconds ?? Math.max(1, Math.ceil(waitMs / 1000)));
  }

  private breach(method: string, retryAfter: number): RateDecision {
    this.breachCounts.set(method, (this.breachCounts.get(method) ?? 0) + 1);
    return { allowed: false, retryAfter };
  }

  /** Total 429s sent, or those of one method. */
  breaches(method?: string): number {
    if (method !== undefined) return this.breachCounts.get(method) ?? 0;
    let n = 0;
    for (const v of this.breachCounts.values()) n += v;
    return n;
  }

  /** 429s per method. */
  breachesByMethod(): Record<string, number> {
    return Object.fromEntries(this.breachCounts);
  }
}
