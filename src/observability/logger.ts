import { hostname } from 'node:os';
import { pino } from 'pino';
import { isColorSupported, prettyFactory } from 'pino-pretty';
import { redactUrls } from './display-url.ts';

/** Structured log lines (pino: one JSON object per line on stderr, or readable lines on a terminal). Injected everywhere; never built by a module itself. */
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

type Level = 'debug' | 'info' | 'warn' | 'error';

/** How lines are written: JSON (for a log collector), or readable lines (a person at a terminal). */
export type LogFormat = 'json' | 'pretty';

/**
 * The format when none is asked for (LOG_FORMAT): readable on a terminal, JSON anywhere else
 * (a pipe, a file, journald, a container's log).
 */
export function defaultLogFormat(stream: { isTTY?: boolean } = process.stderr): LogFormat {
  return stream.isTTY ? 'pretty' : 'json';
}

/**
 * A logger over pino. Each line is JSON with `level` (debug … error), `t` (ISO time), `msg`, the
 * base fields and the call's fields; an Error in any field becomes its message and stack.
 * Credentials in URLs are removed from the whole line before it is written (a git remote in an
 * error), in either format. `write` receives each JSON line (no newline; tests collect them);
 * without it lines go to stderr, as `format` says.
 */
export function createLogger(
  level: Level = 'info',
  base: Record<string, unknown> = {},
  write?: (line: string) => void,
  format: LogFormat = defaultLogFormat(),
): Logger {
  const prettify =
    format === 'pretty'
      ? prettyFactory({
          colorize: isColorSupported,
          translateTime: 'SYS:HH:MM:ss.l',
          timestampKey: 't',
          ignore: 'pid,hostname',
          singleLine: true,
        })
      : undefined;
  const out =
    write ??
    (prettify ? (line: string) => process.stderr.write(prettify(`${line}\n`)) : (line: string) => process.stderr.write(`${line}\n`));
  const destination = { write: (chunk: string) => out(redactUrls(chunk.trimEnd())) };
  const root = pino(
    {
      level,
      base: { pid: process.pid, hostname: hostname() },
      messageKey: 'msg',
      timestamp: () => `,"t":"${new Date().toISOString()}"`,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
  return wrap(Object.keys(base).length > 0 ? root.child(plain(base)) : root);
}

/** What of a pino logger this uses (its children are typed apart from it). */
interface PinoLogger {
  isLevelEnabled(level: string): boolean;
  child(bindings: Record<string, unknown>): PinoLogger;
  debug(fields: object, msg: string): void;
  info(fields: object, msg: string): void;
  warn(fields: object, msg: string): void;
  error(fields: object, msg: string): void;
}

function wrap(logger: PinoLogger): Logger {
  const emit = (at: Level) => (msg: string, fields?: Record<string, unknown>) => {
    if (!logger.isLevelEnabled(at)) return;
    logger[at](fields ? plain(fields) : {}, msg);
  };
  return {
    debug: emit('debug'),
    info: emit('info'),
    warn: emit('warn'),
    error: emit('error'),
    child: (fields) => wrap(logger.child(plain(fields))),
  };
}

/** Fields as they are logged: an Error becomes `{ message, stack }` only (its other fields may hold a command's arguments). */
function plain(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, v instanceof Error ? { message: v.message, stack: v.stack } : v]));
}

/** A logger that drops everything, for unit tests that assert on behaviour, not logs. */
export const silentLogger: Logger = createLogger('error', {}, () => undefined);
