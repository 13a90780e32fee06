import { httpOnce } from './http-once.ts';

export interface ProbeAnswer {
  /** When the request was sent (ms since the epoch). */
  at: number;
  ok: boolean;
  /** "200 <body>", or the error. */
  text: string;
}

/**
 * Sends GET / to `listen` `perSecond` times a second, each on a connection of its own and
 * without waiting for the one before, for at most `maxMs` (a bound, so a stuck test ends).
 * `stop` waits for the requests still in flight and returns every answer in send order.
 */
export function startProbe(listen: string, { perSecond = 50, maxMs = 30_000 } = {}) {
  const answers: ProbeAnswer[] = [];
  const inflight = new Set<Promise<void>>();
  const started = Date.now();
  const send = () => {
    if (Date.now() - started > maxMs) return clearInterval(timer);
    const at = Date.now();
    const request: Promise<void> = httpOnce(listen, 5000)
      .then(
        (text) => {
          answers.push({ at, ok: text.startsWith('200 '), text });
        },
        (err: Error) => {
          answers.push({ at, ok: false, text: err.message });
        },
      )
      .finally(() => inflight.delete(request));
    inflight.add(request);
  };
  const timer = setInterval(send, 1000 / perSecond);
  return {
    answers,
    async stop(): Promise<ProbeAnswer[]> {
      clearInterval(timer);
      await Promise.all([...inflight]);
      return [...answers].sort((a, b) => a.at - b.at);
    },
  };
}

/** The release an answer of the hello app names ("… from release v2 …"), or undefined. */
export const releaseIn = (answer: ProbeAnswer) => /from release v(\d+)/.exec(answer.text)?.[1];
