import { redactUrls } from './display-url.ts';

/** Structured log lines (one JSON object per line on stderr). Injected everywhere; never built by a module itself. */
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

const ORDER = { debug: 10, info: 20, warn: 30, error: 40 } as const;
type Level = keyof typeof ORDER;

export function createLogger(
  level: Level = 'info',
  base: Record<string, unknown> = {},
  write: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
): Logger {
  const emit =
    (at: Level) =>
    (msg: string, fields: Record<string, unknown> = {}) => {
      if (ORDER[at] < ORDER[level]) return;
      const extra = Object.fromEntries(
        Object.entries(fields).map(([k, v]) => [k, v instanceof Error ? { message: v.message, stack: v.stack } : v]),
      );
      // Credentials in URLs (a git remote in an error) never reach voxoz's own log either.
      write(redactUrls(JSON.stringify({ t: new Date().toISOString(), level: at, msg, ...base, ...extra })));
    };
  return {
    debug: emit('debug'),
    info: emit('info'),
    warn: emit('warn'),
    error: emit('error'),
    child: (fields) => createLogger(level, { ...base, ...fields }, write),
  };
}

/** A logger that drops everything, for unit tests that assert on behaviour, not logs. */
export const silentLogger: Logger = createLogger('error', {}, () => undefined);
