import { readFileSync } from 'node:fs';
import type { VoxozConfig } from '../../config/schema.ts';
import { createLocalTransport } from './local-transport.ts';
import { createSshTransport } from './ssh-transport.ts';
import { createXenHost, type XenHost } from './xen-host.ts';

type HostConfig = NonNullable<VoxozConfig['xen']>['hosts'][number];

/**
 * The configured Xen hosts as XenHost handles, one per host entry (an edited entry, after a
 * reload, gets a new handle and the old one's connection is closed).
 */
export function createXenHostRegistry(opts: { wrapper?: string } = {}) {
  const handles = new Map<string, XenHost>();
  const handleOf = (h: HostConfig): XenHost => {
    const key = JSON.stringify(h);
    const known = handles.get(key);
    if (known) return known;
    for (const [k, old] of handles)
      if (JSON.parse(k).name === h.name) {
        handles.delete(k);
        void old.close();
      }
    const transport =
      h.address === 'local'
        ? createLocalTransport(opts.wrapper)
        : createSshTransport({
            name: h.name,
            address: h.address,
            port: h.port,
            user: h.user,
            privateKey: readFileSync(h.keyFile ?? ''),
            hostKey: h.hostKey ?? '',
          });
    const host = createXenHost({
      name: h.name,
      imagesDir: h.imagesDir,
      ...(h.memoryMb !== undefined ? { memoryMb: h.memoryMb } : {}),
      transport,
    });
    handles.set(key, host);
    return host;
  };
  return {
    /** The hosts named (every configured host when `names` is unset). */
    hosts(config: Pick<VoxozConfig, 'xen'>, names?: readonly string[]): XenHost[] {
      const all = config.xen?.hosts ?? [];
      return (names ? all.filter((h) => names.includes(h.name)) : all).map(handleOf);
    },
    async close() {
      for (const h of handles.values()) await h.close().catch(() => undefined);
      handles.clear();
    },
  };
}
