import { UserError } from '../../core/user-error.ts';
import type { DomainConfig } from './ling-types.ts';

const NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
const ABS_PATH = /^(\/[A-Za-z0-9_.+-]+)+$/;
const FILE_NAME = /^[A-Za-z0-9_+-][A-Za-z0-9_.+-]*$/;
/** Printable ASCII without `"` and `\`: xl strings have no escapes. */
const TEXT = /^[\x20-\x21\x23-\x5b\x5d-\x7e]*$/;
/** One vif spec: `key=value` pairs, comma-separated (`bridge=xenbr0,mac=00:16:3e:00:00:01`). */
const VIF = /^[a-z]+=[A-Za-z0-9:._-]+(,[a-z]+=[A-Za-z0-9:._-]+)*$/;
/** Xen keeps this many bytes of a PV guest's command line. */
const MAX_CMDLINE = 1023;

export type ParsedDomainConfig = { ok: true; config: DomainConfig } | { ok: false; problems: string[] };

/** Every problem with a config's values; `relativeKernel` admits a bare file name (railing writes `kernel = "hello.img"`). */
export function checkDomainConfig(cfg: DomainConfig, opts: { relativeKernel?: boolean } = {}): string[] {
  const problems: string[] = [];
  const path = (key: string, v: string, bareOk = false) => {
    if (!(ABS_PATH.test(v) && !v.split('/').includes('..')) && !(bareOk && FILE_NAME.test(v) && v !== '..')) {
      problems.push(`${key} ${JSON.stringify(v)}: an absolute path of letters, digits and _ . + - without ..`);
    }
  };
  if (!NAME.test(cfg.name)) problems.push(`name ${JSON.stringify(cfg.name)}: 1-63 of a-z, 0-9 and -, not starting with -`);
  path('kernel', cfg.kernel, opts.relativeKernel);
  if (cfg.ramdisk !== undefined) path('ramdisk', cfg.ramdisk);
  if (!TEXT.test(cfg.extra) || cfg.extra.length > MAX_CMDLINE) {
    problems.push(`extra: printable ASCII without " and \\, at most ${MAX_CMDLINE} characters`);
  }
  if (!Number.isInteger(cfg.memory) || cfg.memory < 1 || cfg.memory > 1048576) problems.push(`memory ${cfg.memory}: a whole number of MiB`);
  for (const v of cfg.vif ?? []) if (!VIF.test(v)) problems.push(`vif ${JSON.stringify(v)}: comma-separated key=value pairs`);
  return problems;
}

/**
 * A PV domain's xl config (xl.cfg(5)), from validated values only: a bad value is a
 * `UserError` (`bad_domain_config`) listing every problem, never a config with it.
 * `parseDomainConfig` reads back what this writes.
 */
export function renderDomainConfig(cfg: DomainConfig): string {
  const problems = checkDomainConfig(cfg);
  if (problems.length) throw new UserError('bad_domain_config', `Bad domain config for ${cfg.name}:\n- ${problems.join('\n- ')}`);
  const lines = [`name = "${cfg.name}"`, 'type = "pv"', `kernel = "${cfg.kernel}"`];
  if (cfg.ramdisk !== undefined) lines.push(`ramdisk = "${cfg.ramdisk}"`);
  lines.push(`extra = "${cfg.extra}"`, `memory = ${cfg.memory}`);
  if (cfg.vif !== undefined) lines.push(`vif = [${cfg.vif.map((v) => `"${v}"`).join(', ')}]`);
  return `${lines.join('\n')}\n`;
}

type Value = string | number | string[];
const KEYS: Record<string, 'string' | 'number' | 'list'> = {
  name: 'string',
  type: 'string',
  kernel: 'string',
  ramdisk: 'string',
  extra: 'string',
  memory: 'number',
  vif: 'list',
};

/**
 * Reads the domain configs voxoz deals in: railing's `domain_config` (`name`, `kernel`,
 * `extra`, `memory`, `vif = [...]`, the list as Erlang's `~p` prints it, possibly over several
 * lines) and what `renderDomainConfig` writes. Anything else (another key, `type` other than
 * "pv", a duplicate, a string with an escape) is a problem; all of them are returned.
 */
export function parseDomainConfig(text: string, opts: { relativeKernel?: boolean } = {}): ParsedDomainConfig {
  const problems: string[] = [];
  const values = new Map<string, Value>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    let line = lines[i]!.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-z_]+)\s*=\s*(.*)$/.exec(line);
    if (!m) {
      problems.push(`line ${lineNo}: expected key = value`);
      continue;
    }
    const key = m[1]!;
    let rest = m[2]!;
    // a list may run over several lines, up to its closing bracket
    while (rest.startsWith('[') && !rest.includes(']') && i + 1 < lines.length) rest += ` ${lines[++i]!.trim()}`;
    line = rest;
    const value = parseValue(line);
    if (value === undefined) problems.push(`line ${lineNo}: ${key}: expected "text", a whole number or ["text", ...]`);
    else if (!(key in KEYS)) problems.push(`line ${lineNo}: unknown key ${key}`);
    else if (values.has(key)) problems.push(`line ${lineNo}: ${key} given twice`);
    else if (kindOf(value) !== KEYS[key]) problems.push(`line ${lineNo}: ${key} must be a ${KEYS[key]}`);
    else values.set(key, value);
  }
  for (const key of ['name', 'kernel', 'extra', 'memory']) if (!values.has(key)) problems.push(`${key} is missing`);
  if (values.has('type') && values.get('type') !== 'pv') problems.push(`type ${JSON.stringify(values.get('type'))}: only "pv"`);
  if (problems.length) return { ok: false, problems };
  const config: DomainConfig = {
    name: values.get('name') as string,
    kernel: values.get('kernel') as string,
    extra: values.get('extra') as string,
    memory: values.get('memory') as number,
  };
  if (values.has('ramdisk')) config.ramdisk = values.get('ramdisk') as string;
  if (values.has('vif')) config.vif = values.get('vif') as string[];
  const bad = checkDomainConfig(config, opts);
  return bad.length ? { ok: false, problems: bad } : { ok: true, config };
}

const kindOf = (v: Value) => (Array.isArray(v) ? 'list' : typeof v === 'number' ? 'number' : 'string');

/** `"text"`, `128` or `["a", "b"]`, each optionally followed by a `# comment`; undefined for anything else. */
function parseValue(src: string): Value | undefined {
  const str = /^"([^"\\]*)"\s*(#.*)?$/.exec(src);
  if (str) return str[1]!;
  const num = /^(\d{1,9})\s*(#.*)?$/.exec(src);
  if (num) return Number(num[1]);
  const list = /^\[(.*)\]\s*(#.*)?$/.exec(src);
  if (!list) return undefined;
  let body = list[1]!.trim();
  const items: string[] = [];
  while (body) {
    // an item is a quoted string (commas inside it belong to it), then a comma or the end
    const item = /^"([^"\\]*)"\s*(?:,\s*(?=")|$)/.exec(body);
    if (!item) return undefined;
    items.push(item[1]!);
    body = body.slice(item[0].length);
  }
  return items;
}
