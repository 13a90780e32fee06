import type { HttpMount } from './http-server.ts';
import { sendJson } from './http-server.ts';
import type { Metrics } from '../observability/metrics.ts';
import { within } from '../services/within.ts';

/** Longest one readiness check may take before it counts as failed. @defaultValue 1500 */
export const READY_CHECK_MS = 1500;

/** One thing voxoz needs in order to do its work; resolves when it answers, rejects (saying why) when not. */
export type ReadyCheck = () => Promise<unknown>;

export interface ReadyReport {
  ready: boolean;
  checks: Record<string, { ok: true; ms: number } | { ok: false; error: string }>;
}

/** Runs every check at once, each bounded by `timeoutMs`; ready only when all answered. */
export async function readiness(checks: Record<string, ReadyCheck>, timeoutMs = READY_CHECK_MS): Promise<ReadyReport> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      const start = performance.now();
      try {
        await within(timeoutMs, check());
        return [name, { ok: true as const, ms: Math.round(performance.now() - start) }] as const;
      } catch (err) {
        return [name, { ok: false as const, error: err instanceof Error ? err.message : String(err) }] as const;
      }
    }),
  );
  return { ready: entries.every(([, r]) => r.ok), checks: Object.fromEntries(entries) };
}

/**
 * `/healthz`: 200 while the process answers (a liveness probe; it checks nothing else, so a
 * Redis outage does not get voxoz restarted). `/readyz`: 200 when every check answers (Redis,
 * the chat connections, the drivers this process uses), else 503 with what failed; a
 * load balancer or orchestrator sends traffic only to a ready voxoz. `/metrics`: Prometheus
 * text. None of them needs a token and none says anything secret: check names and error
 * messages of connections.
 */
export function healthMounts(opts: { metrics: Metrics; checks: () => Record<string, ReadyCheck> }): HttpMount[] {
  const only = (prefix: string, handle: HttpMount['handle']): HttpMount => ({
    prefix,
    handle: (req, res, url) => {
      if (url.pathname !== prefix) return false;
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.setHeader('allow', 'GET, HEAD');
        sendJson(res, 405, { error: `${prefix} answers GET only` });
        return true;
      }
      return handle(req, res, url);
    },
  });
  return [
    only('/healthz', (_req, res) => {
      sendJson(res, 200, { ok: true });
      return true;
    }),
    only('/readyz', async (_req, res) => {
      const report = await readiness(opts.checks());
      sendJson(res, report.ready ? 200 : 503, report);
      return true;
    }),
    only('/metrics', async (_req, res) => {
      const { contentType, body } = await opts.metrics.scrape();
      res.writeHead(200, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
      res.end(body);
      return true;
    }),
  ];
}
