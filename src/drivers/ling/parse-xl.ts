/** One row of plain `xl list`: the only place the run state, current memory and CPU time are. */
export interface XlListRow {
  name: string;
  domid: number;
  memoryMb: number;
  vcpus: number;
  /** xl's six flags, e.g. `-b----`: r running, b blocked (idle), p paused, s shut down, c crashed, d dying. */
  flags: string;
  cpuSeconds: number;
}

/** One element of `xl list -l`: the domain's configuration (no run state). */
export interface XlDomainConfig {
  /** The top-level `domid`: `c_info.domid` is always 4294967295 (INVALID_DOMID) there. */
  domid: number;
  name: string;
  kernel?: string;
  ramdisk?: string;
  cmdline: string;
  maxMemKb?: number;
}

/** Parses `xl list` (header `Name ID Mem VCPUs State Time(s)`); lines it cannot read are skipped. */
export function parseXlList(text: string): XlListRow[] {
  const rows: XlListRow[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s+([rbpscd-]{6})\s+([\d.]+)\s*$/.exec(line.trim());
    if (!m) continue;
    rows.push({ name: m[1]!, domid: Number(m[2]), memoryMb: Number(m[3]), vcpus: Number(m[4]), flags: m[5]!, cpuSeconds: Number(m[6]) });
  }
  return rows;
}

/** Parses `xl list -l` JSON (an array, or nothing when no domain matched); Domain-0 and malformed entries are skipped. */
export function parseXlListLong(value: unknown): XlDomainConfig[] {
  if (!Array.isArray(value)) return [];
  const out: XlDomainConfig[] = [];
  for (const d of value as Array<{ domid?: unknown; config?: { c_info?: { name?: unknown }; b_info?: Record<string, unknown> } }>) {
    const name = d?.config?.c_info?.name;
    if (typeof name !== 'string' || typeof d.domid !== 'number' || d.domid === 0) continue;
    const b = d.config?.b_info ?? {};
    out.push({
      domid: d.domid,
      name,
      cmdline: typeof b.cmdline === 'string' ? b.cmdline : '',
      ...(typeof b.kernel === 'string' ? { kernel: b.kernel } : {}),
      ...(typeof b.ramdisk === 'string' ? { ramdisk: b.ramdisk } : {}),
      ...(typeof b.max_memkb === 'number' ? { maxMemKb: b.max_memkb } : {}),
    });
  }
  return out;
}

/** `xl info`'s `key : value` lines. */
export function parseXlInfo(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)\s*:\s?(.*)$/.exec(line);
    if (m) out[m[1]!] = m[2]!.trim();
  }
  return out;
}

/** What the flags mean to a user; `running` for a domain that runs or waits for work (b: blocked = idle). */
export function domainState(flags: string): string {
  if (flags.includes('c')) return 'crashed';
  if (flags.includes('d')) return 'dying';
  if (flags.includes('s')) return 'shutdown';
  if (flags.includes('p')) return 'paused';
  if (flags.includes('r') || flags.includes('b')) return 'running';
  return 'running';
}
