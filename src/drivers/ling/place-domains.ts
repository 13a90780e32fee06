import { UserError } from '../../core/user-error.ts';
import type { DomainView, HostInfo, XenHost } from './xen-host.ts';

export interface HostSnapshot {
  host: XenHost;
  info: HostInfo;
  domains: DomainView[];
}

/**
 * Picks a host for each of `count` new domains of `memory` MiB: the one with the most room
 * left each time, which spreads instances over hosts. Room is `xl info`'s free memory, capped by
 * the host's budget (`memoryMb`) minus what domains use there now. Refuses, with every host's
 * room, when one does not fit.
 */
export function placeDomains(hosts: ReadonlyArray<HostSnapshot>, count: number, memory: number, what: string): XenHost[] {
  const room = hosts.map((h) => {
    const used = h.domains.reduce((sum, d) => sum + d.memoryMb, 0);
    const budget = h.host.memoryMb === undefined ? Number.POSITIVE_INFINITY : h.host.memoryMb - used;
    return { host: h.host, left: Math.max(0, Math.min(h.info.freeMb, budget)) };
  });
  const picked: XenHost[] = [];
  for (let i = 0; i < count; i++) {
    const best = [...room].sort((a, b) => b.left - a.left)[0];
    if (!best || best.left < memory)
      throw new UserError(
        'no_room',
        `no Xen host has room for ${count} × ${memory} MiB domains of ${what} (${room.map((r) => `${r.host.name}: ${Math.floor(r.left)} MiB free`).join(', ') || 'no hosts'}); nothing was started. Free memory there, lower replicas or apps[].ling.memory, or add a host under xen.hosts`,
      );
    best.left -= memory;
    picked.push(best.host);
  }
  return picked;
}
