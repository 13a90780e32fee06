import { type XlListRow, domainState, parseXlInfo, parseXlList, parseXlListLong } from './parse-xl.ts';
import { fenceOfCmdline } from './domain-name.ts';
import type { XenCommand, XenTransport } from './ling-types.ts';

/** One domain as voxoz sees it: `xl list` (state, memory, CPU time) merged with `xl list -l` (its config). */
export interface DomainView {
  host: string;
  name: string;
  domid: number;
  state: string;
  flags: string;
  memoryMb: number;
  vcpus: number;
  cpuSeconds: number;
  cmdline: string;
  fence?: number;
  /** When the wrapper created it (epoch seconds), from the host's clock. */
  started?: number;
}

export interface HostInfo {
  freeMb: number;
  totalMb: number;
  images: ReadonlySet<string>;
}

/** A Xen host's wrapper commands, typed; refusals and xl failures become errors naming the host. */
export interface XenHost {
  readonly name: string;
  /** Where the wrapper keeps images on the host. */
  readonly imagesDir: string;
  /** MiB voxoz's domains may use here together; undefined: free memory only. */
  readonly memoryMb?: number;
  info(signal?: AbortSignal): Promise<HostInfo>;
  /** The domains (not Domain-0) and the names of the configs the wrapper keeps. */
  list(signal?: AbortSignal): Promise<{ domains: DomainView[]; configs: string[] }>;
  putImage(sha256: string, bytes: Buffer, signal?: AbortSignal): Promise<void>;
  putConfig(name: string, text: string, signal?: AbortSignal): Promise<void>;
  create(name: string, signal?: AbortSignal): Promise<void>;
  destroy(name: string): Promise<void>;
  consoleTail(name: string, lines: number, signal?: AbortSignal): Promise<string[]>;
  close(): Promise<void>;
}

export function createXenHost(opts: { name: string; imagesDir: string; memoryMb?: number; transport: XenTransport }): XenHost {
  const { name, transport } = opts;
  const run = async (command: XenCommand, stdin?: Buffer | string, signal?: AbortSignal) => {
    const r = await transport.run(command, { ...(stdin !== undefined ? { stdin } : {}), ...(signal ? { signal } : {}) });
    if (r.code === 0) return r.stdout;
    const why = (r.stderr.trim() || r.stdout.trim()).split('\n').slice(-3).join(' / ');
    if (r.code === 2) throw new Error(`the Xen host ${name} refused "${command[0]}": ${why}`);
    throw new Error(`${command[0]} ${command[1] ?? ''} on the Xen host ${name} failed (exit ${r.code}): ${why}`);
  };
  return {
    name,
    imagesDir: opts.imagesDir,
    ...(opts.memoryMb !== undefined ? { memoryMb: opts.memoryMb } : {}),
    async info(signal) {
      const out = JSON.parse(await run(['info'], undefined, signal)) as { xl_info?: string; images?: string[] };
      const info = parseXlInfo(out.xl_info ?? '');
      return { freeMb: Number(info.free_memory ?? 0), totalMb: Number(info.total_memory ?? 0), images: new Set(out.images ?? []) };
    },
    async list(signal) {
      const out = JSON.parse(await run(['list'], undefined, signal)) as {
        list?: string;
        long?: unknown;
        started?: Record<string, number>;
        configs?: string[];
      };
      const rows = new Map<string, XlListRow>(parseXlList(out.list ?? '').map((r) => [r.name, r]));
      const domains: DomainView[] = [];
      for (const c of parseXlListLong(out.long)) {
        const row = rows.get(c.name);
        if (!row) continue;
        const fence = fenceOfCmdline(c.cmdline);
        const started = out.started?.[c.name];
        domains.push({
          host: name,
          name: c.name,
          domid: c.domid,
          state: domainState(row.flags),
          flags: row.flags,
          memoryMb: row.memoryMb,
          vcpus: row.vcpus,
          cpuSeconds: row.cpuSeconds,
          cmdline: c.cmdline,
          ...(fence !== undefined ? { fence } : {}),
          ...(typeof started === 'number' ? { started } : {}),
        });
      }
      return { domains, configs: out.configs ?? [] };
    },
    async putImage(sha256, bytes, signal) {
      await run(['put-image', sha256], bytes, signal);
    },
    async putConfig(domain, text, signal) {
      await run(['put-config', domain], text, signal);
    },
    async create(domain, signal) {
      await run(['create', domain], undefined, signal);
    },
    async destroy(domain) {
      await run(['destroy', domain]);
    },
    async consoleTail(domain, lines, signal) {
      const out = await run(['console-tail', domain, String(lines)], undefined, signal);
      return out
        .split('\n')
        .map((l) => l.replace(/\r$/, ''))
        .filter((l, i, a) => l !== '' || i < a.length - 1);
    },
    close: () => transport.close(),
  };
}
