import { join, resolve } from 'node:path';
import type { LoadedConfig } from './config/load-config.ts';
import { hasEnvironment } from './config/app-environment.ts';
import type { Driver } from './drivers/driver.ts';
import { createErlangPvBuilder } from './drivers/ling/erlang-pv-builder.ts';
import { createImageStore } from './drivers/ling/image-store.ts';
import { createLingDriver } from './drivers/ling/ling-driver.ts';
import type { LingBuilder } from './drivers/ling/ling-types.ts';
import { createRailingBuilder } from './drivers/ling/railing-builder.ts';
import { createXenHostRegistry } from './drivers/ling/xen-host-registry.ts';
import type { Logger } from './observability/logger.ts';

/** How long a worker waits for a Xen host's answer when it starts, before it takes no LING jobs. @defaultValue 30000 */
export const XEN_REACH_MS = 30_000;

/**
 * The LING runtime's parts, built in one place: the Xen hosts of voxoz.yml (re-read at each
 * job), the builder it names, the worker's image store, the driver.
 */
export function startLing(opts: { config: () => LoadedConfig; dataDir: string; log: Logger; wrapper?: string }) {
  const registry = createXenHostRegistry(opts.wrapper ? { wrapper: opts.wrapper } : {});
  let builder: { key: string; builder: LingBuilder } | undefined;
  const builderOf = (): LingBuilder => {
    const xen = opts.config().xen;
    const key = JSON.stringify([xen?.builder, xen?.kernel, xen?.railing]);
    if (builder?.key !== key)
      builder = {
        key,
        builder:
          xen?.builder === 'railing'
            ? createRailingBuilder({ command: [...(xen.railing ?? ['railing'])] })
            : createErlangPvBuilder({ kernelPath: resolve(xen?.kernel ?? '/boot/vmlinux') }),
      };
    return builder.builder;
  };
  const driver: Driver = createLingDriver({
    hostsFor: (app, env) => {
      const config = opts.config();
      const names = hasEnvironment(app, env) ? app.environments[env]?.xenHosts : undefined;
      return registry.hosts(config, names);
    },
    builder: builderOf,
    store: createImageStore(join(resolve(opts.dataDir), 'ling', 'images')),
    workDir: join(resolve(opts.dataDir), 'ling', 'builds'),
  });
  /** Whether each host answered the last time it was asked: a warning when one stops answering, a line when it is back, not one per probe. */
  const answered = new Map<string, boolean>();
  const noteAnswer = (host: string, ok: boolean, reason?: string) => {
    const before = answered.get(host);
    answered.set(host, ok);
    if (!ok && before !== false) opts.log.warn('a Xen host does not answer', { host, reason });
    else if (ok && before === false) opts.log.info('a Xen host answers again', { host });
  };
  return {
    driver,
    /** The configured Xen hosts whose wrapper answers `info` now (this worker takes the LING jobs of environments on those). */
    async reachable(): Promise<Set<string>> {
      const hosts = registry.hosts(opts.config());
      if (hosts.length === 0) return new Set();
      const answers = await Promise.all(
        hosts.map((h) =>
          h.info(AbortSignal.timeout(XEN_REACH_MS)).then(
            () => {
              noteAnswer(h.name, true);
              return true;
            },
            (err: Error) => {
              noteAnswer(h.name, false, err.message);
              return false;
            },
          ),
        ),
      );
      return new Set(hosts.filter((_, i) => answers[i]).map((h) => h.name));
    },
    close: () => registry.close(),
  };
}
