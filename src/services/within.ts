/**
 * `work`'s result, or a rejection saying "no answer within N s" (N ms under a second) when `ms`
 * pass first. The work is not stopped (give it a signal for that); a failure of it that comes
 * after the time limit is swallowed. The timer is cleared either way.
 */
export function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms < 1000 ? `${ms} ms` : `${ms / 1000} s`}`)), ms);
  });
  work.catch(() => undefined);
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
