import { APP_NAME } from '../config/schema.ts';
import { closestWord } from './closest-word.ts';
import type { ArgType } from './command-spec.ts';

/** Longest free text (a lock's reason) an argument takes. @defaultValue 200 */
export const MAX_TEXT_CHARS = 200;

export type Resolved = { ok: true; value: string | number } | { ok: false; problem: string };

export interface ResolveContext {
  appNames: ReadonlyArray<string>;
}

/** Longest `duration` argument (`logs --since`); an option's `max` makes it shorter (`logs --follow`). @defaultValue 30 days */
export const MAX_DURATION_SECONDS = 30 * 86_400;
const DURATION_UNIT = { s: 1, m: 60, h: 3600, d: 86_400 } as const;

/** Seconds as the largest unit that divides them: 600 → "10m", 2_592_000 → "30d". */
export function shortDuration(seconds: number): string {
  const [unit, size] = (Object.entries(DURATION_UNIT) as [string, number][]).reverse().find(([, n]) => seconds % n === 0) ?? ['s', 1];
  return `${seconds / size}${unit}`;
}

const show = (raw: string) => JSON.stringify(raw.length > 40 ? `${raw.slice(0, 37)}...` : raw);

/**
 * A branch, tag or commit as git would accept it, and nothing that git could read as an option
 * or a revision expression. Mirrors the rules of `git check-ref-format`, stricter in places.
 */
export function checkGitRef(raw: string): string | undefined {
  if (raw.length === 0 || raw.length > 200) return 'must be 1..200 characters';
  if (raw.startsWith('-')) return 'must not start with "-" (it would read as a git option)';
  if (/[~^@]/.test(raw) && /^[\w./{}~^@-]+$/.test(raw))
    return 'is a revision expression (~, ^ or @), which voxoz does not take; give the branch, tag or commit sha itself, e.g. main, v1.2.0 or 3f2a9c1';
  if (!/^[A-Za-z0-9._/-]+$/.test(raw)) return 'may contain only letters, digits, ".", "_", "-" and "/"';
  if (raw.includes('..') || raw.includes('//') || raw.startsWith('/') || raw.endsWith('/') || raw.endsWith('.') || raw.endsWith('.lock')) {
    return 'is not a valid git ref ("..", "//", a leading or trailing "/", or a trailing "." or ".lock")';
  }
  if (raw.split('/').some((part) => part.startsWith('.'))) return 'must not have a part starting with "."';
  return undefined;
}

/** Resolves one raw token to a typed value, or says what was wrong and what would be right. */
export function resolveArg(type: ArgType, raw: string, ctx: ResolveContext, bounds: { min?: number; max?: number } = {}): Resolved {
  switch (type) {
    case 'app': {
      if (!APP_NAME.test(raw))
        return { ok: false, problem: `${show(raw)} is not an app name (lowercase letters, digits and dashes)${suggestApp(raw, ctx)}` };
      if (!ctx.appNames.includes(raw)) {
        const known = ctx.appNames.length > 0 ? `; known apps: ${ctx.appNames.join(', ')}` : '; no apps are configured in voxoz.yml';
        return { ok: false, problem: `there is no app named ${show(raw)}${suggestApp(raw, ctx) || known}` };
      }
      return { ok: true, value: raw };
    }
    case 'gitref': {
      const problem = checkGitRef(raw);
      return problem ? { ok: false, problem: `${show(raw)} ${problem}, e.g. main, v1.2.0 or a commit sha` } : { ok: true, value: raw };
    }
    case 'int': {
      const { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = bounds;
      if (!/^-?\d{1,9}$/.test(raw)) return { ok: false, problem: `${show(raw)} is not a whole number (${min}..${max})` };
      const value = Number(raw);
      if (value < min || value > max) return { ok: false, problem: `must be ${min}..${max}, got ${value}` };
      return { ok: true, value };
    }
    case 'env':
      return /^[a-z][a-z0-9-]{0,31}$/.test(raw)
        ? { ok: true, value: raw }
        : { ok: false, problem: `${show(raw)} is not an environment name (lowercase letters, digits, dashes), e.g. production` };
    case 'job':
      return /^[A-Za-z0-9_.-]{1,120}$/.test(raw)
        ? { ok: true, value: raw }
        : { ok: false, problem: `${show(raw)} is not a job id (letters, digits, ".", "_", "-"); "jobs" lists them` };
    case 'text':
      return raw.length >= 1 && raw.length <= MAX_TEXT_CHARS
        ? { ok: true, value: raw }
        : { ok: false, problem: `must be 1..${MAX_TEXT_CHARS} characters, got ${raw.length}` };
    case 'duration': {
      const m = /^(\d{1,7})([smhd])$/.exec(raw);
      const seconds = m ? Number(m[1]) * DURATION_UNIT[m[2] as keyof typeof DURATION_UNIT] : 0;
      const max = Math.min(bounds.max ?? MAX_DURATION_SECONDS, MAX_DURATION_SECONDS);
      const like = max >= 86_400 ? '90s, 10m, 2h or 1d' : max >= 3600 ? '90s, 10m or 2h' : '30s or 5m';
      return seconds >= 1 && seconds <= max
        ? { ok: true, value: seconds }
        : { ok: false, problem: `${show(raw)} is not a duration of 1s..${shortDuration(max)}; write it like ${like}` };
    }
    case 'word':
      return /^[\p{L}\p{N}._-]{1,64}$/u.test(raw)
        ? { ok: true, value: raw }
        : { ok: false, problem: `${show(raw)} must be 1..64 letters, digits, ".", "_" or "-"` };
  }
}

function suggestApp(raw: string, ctx: ResolveContext): string {
  const near = closestWord(raw, ctx.appNames);
  return near ? `; did you mean "${near}"?` : '';
}
