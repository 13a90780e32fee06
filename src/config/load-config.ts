import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { closestWord } from '../dispatch/closest-word.ts';
import { findPrototypeKeys } from './find-prototype-keys.ts';
import { knownKeysAt } from './known-keys.ts';
import { crossCheck } from './cross-check.ts';
import { configSchema, type AppSpec, type VoxozConfig } from './schema.ts';

/** Every problem found in a config file, each with its path and a fix. */
export class ConfigError extends Error {
  readonly problems: string[];
  constructor(file: string, problems: string[]) {
    super(`${file} has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export interface LoadedConfig extends VoxozConfig {
  /** Absolute path of the file it came from. */
  file: string;
}

/** `apps[1].replicas` from ['apps', 1, 'replicas']. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)), '');
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const where = formatPath(issue.path) || '(top level)';
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeysAt(configSchema, issue.path);
    return issue.keys
      .map((key) => {
        const near = closestWord(key, known);
        const fix = near ? `did you mean "${near}"?` : 'remove it or check its spelling';
        return `${where === '(top level)' ? key : `${where}.${key}`}: unknown key; ${fix}`;
      })
      .join('\n');
  }
  if (issue.code === 'invalid_type' && issue.input === undefined) return `${where}: is required`;
  if (issue.code === 'invalid_key') return `${where}: ${issue.issues.map((i) => i.message).join('; ')}`;
  return `${where}: ${issue.message}`;
}

/** Validates already-parsed YAML; returns a frozen config or throws one ConfigError listing every problem. */
export function validateConfig(raw: unknown, file: string): LoadedConfig {
  const result = configSchema.safeParse(raw ?? {}, { reportInput: true });
  const cross = [
    ...findPrototypeKeys(raw).map((p) => `${formatPath(p)}: "__proto__" cannot be a name here; rename it`),
    ...crossCheck(raw).map((p) => `${formatPath(p.path)}: ${p.message}`),
  ];
  if (!result.success || cross.length > 0)
    throw new ConfigError(file, [...(result.success ? [] : result.error.issues.flatMap((i) => describeIssue(i).split('\n'))), ...cross]);
  const base = dirname(file);
  const apps = result.data.apps.map(
    (app): AppSpec => ('path' in app.source ? { ...app, source: { path: resolve(base, app.source.path) } } : app),
  );
  // Files named in xen: are relative to voxoz.yml, like app sources.
  const xen = result.data.xen && {
    ...result.data.xen,
    ...(result.data.xen.kernel ? { kernel: resolve(base, result.data.xen.kernel) } : {}),
    hosts: result.data.xen.hosts.map((h) => (h.keyFile ? { ...h, keyFile: resolve(base, h.keyFile) } : h)),
  };
  return deepFreeze({ ...result.data, apps, file, ...(xen ? { xen } : {}) });
}

/** Reads and validates `voxoz.yml`. YAML syntax errors are reported with line and column. */
export function loadConfig(file: string): LoadedConfig {
  const path = resolve(file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(path, [
      code === 'ENOENT' ? `file not found; copy voxoz.example.yml to ${path} or set VOXOZ_CONFIG` : `cannot read it (${code})`,
    ]);
  }
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      path,
      doc.errors.map((e) => `line ${e.linePos?.[0]?.line ?? '?'}, column ${e.linePos?.[0]?.col ?? '?'}: ${e.message.split('\n')[0]}`),
    );
  }
  return validateConfig(doc.toJS({ maxAliasCount: 50 }), path);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
