import { z } from 'zod';
import { showValue } from './show-value.ts';
import { wholeNumber } from './whole-number.ts';

/**
 * An origin-form request target: URL path characters (percent-escapes allowed) and an optional
 * query; never "//…", which a client reads as a host. Anything else fails later, inside the
 * HTTP client, as an internal error (ERR_UNESCAPED_CHARACTERS).
 */
const URL_PATH = /^\/(?!\/)(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2})*(?:\?(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9A-Fa-f]{2})*)?$/;

/** An app's `health`: how its replicas are checked before a deploy switches to them. */
export const healthSchema = z.strictObject({
  /** HTTP path probed on every replica. @defaultValue "/" */
  path: z
    .string()
    .startsWith('/', { error: 'must start with "/", e.g. /healthz' })
    .refine((p) => !p.startsWith('/') || URL_PATH.test(p), {
      error: (iss) =>
        `must be a URL path like /healthz: no spaces or control characters (percent-encode them, e.g. %20) and no leading "//", got ${showValue(iss.input)}`,
    })
    .default('/'),
  /** How long new replicas get to pass before the deploy fails (nothing is switched then). @defaultValue 30 */
  timeoutSeconds: wholeNumber(1, 600).default(30),
  /** The HTTP status a healthy replica answers. @defaultValue any 2xx */
  status: wholeNumber(100, 599).optional(),
  /**
   * Wrong answers (another status, or no answer within a second) in a row, after the grace,
   * that fail the deploy at once instead of at the timeout. A refused connection is "not
   * listening yet" and only the timeout ends it. @defaultValue 3
   */
  retries: wholeNumber(1, 100).default(3),
  /** Seconds after a replica starts in which wrong answers do not count toward `retries` (warming up). @defaultValue 5 */
  graceSeconds: wholeNumber(0, 600).default(5),
  /**
   * Seconds the new replicas are watched after they all passed, before the switch: an exit, a
   * restart or `retries` wrong answers in a row then fail the deploy as a failed check does
   * (nothing is switched, the old replicas keep serving). 0 switches at once. @defaultValue 0
   */
  watchSeconds: wholeNumber(0, 600).default(0),
});

/** @defaultValue path "/", timeout 30 s, any 2xx, 3 retries, 5 s grace, no watch */
export const HEALTH_DEFAULTS = { path: '/', timeoutSeconds: 30, retries: 3, graceSeconds: 5, watchSeconds: 0 };
