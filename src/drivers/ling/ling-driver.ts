import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { hasEnvironment } from '../../config/app-environment.ts';
import type { AppSpec } from '../../config/schema.ts';
import { UserError } from '../../core/user-error.ts';
import { checkoutGit } from '../checkout-git.ts';
import type { Driver, DriverIO } from '../driver.ts';
import { mergeFollowed, STARTED_SINCE } from '../follow-lines.ts';
import { withTimeLimit } from '../with-time-limit.ts';
import { deployDomains } from './deploy-domains.ts';
import { CONSOLE_POLL_LINES, followConsole } from './follow-console.ts';
import type { ImageStore } from './image-store.ts';
import { destroyAll, lingOf, listOurs, toInstance } from './ling-domains.ts';
import type { LingBuilder } from './ling-types.ts';
import { scaleDomains } from './scale-domains.ts';
import type { XenHost } from './xen-host.ts';

export interface LingDriverDeps {
  /** The Xen hosts an app environment's domains may run on (`environments.<env>.xenHosts`, else every host), read at each call so a reload applies. */
  hostsFor: (app: AppSpec, env: string) => XenHost[];
  builder: () => LingBuilder;
  store: ImageStore;
  /** Scratch space for checkouts and builds; each build gets its own folder, removed afterwards. */
  workDir: string;
}

/** The LING driver: Erlang apps as Xen domains, one domain per instance, through the hosts' `voxoz-xl` wrapper. */
export function createLingDriver({ hostsFor, builder, store, workDir }: LingDriverDeps): Driver {
  const hosts = (app: AppSpec, env: string) => {
    const list = hostsFor(app, env);
    if (list.length === 0)
      throw new UserError('no_xen_hosts', `${app.name} (${env}) has no Xen host to run on; add one under xen.hosts in voxoz.yml`);
    return list;
  };
  return {
    runtime: 'ling',
    async build({ app, env, release }, ref, io) {
      const ling = lingOf(app);
      const b = builder();
      mkdirSync(workDir, { recursive: true });
      const dir = mkdtempSync(join(workDir, `${app.name}-`));
      try {
        let sourceDir: string;
        let commit: string | undefined;
        if ('path' in app.source) sourceDir = app.source.path;
        else {
          sourceDir = join(dir, 'src');
          mkdirSync(sourceDir);
          commit = await checkoutGit(app.source.git, ref ?? app.source.ref, sourceDir, io, app.build.cloneTimeoutSeconds);
        }
        const outDir = join(dir, 'out');
        mkdirSync(outDir);
        io.log(`building ${app.name} v${release} with the ${b.name} builder`);
        const image = await withTimeLimit(
          io,
          app.build.timeoutSeconds,
          () =>
            new UserError(
              'build_timeout',
              `the image build of ${app.name} ran longer than its limit of ${app.build.timeoutSeconds} s (apps[].build.timeoutSeconds) and was stopped; nothing it made was kept`,
            ),
          (limited: DriverIO) =>
            b.build({ name: app.name, sourceDir, outDir, memory: ling.memory, extra: ling.extra, exclude: ling.exclude, io: limited }),
        );
        store.keep(app.name, image);
        io.log(`image sha256:${image.sha256.slice(0, 12)} (${b.name}${image.kernelPath ? `, boots ${image.kernelPath}` : ''})`);
        return { id: `sha256:${image.sha256}`, name: `${app.name}-${env}:v${release}`, ...(commit ? { commit } : {}) };
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    deploy: (target, artifact, io) => deployDomains(hosts(target.app, target.env), store, target, artifact, io),
    scale: (target, n, io) => scaleDomains(hosts(target.app, target.env), store, target, n, io),
    async status(app, env) {
      return (await listOurs(hosts(app, env), app.name, env)).sort((a, b) => a.release - b.release || a.index - b.index).map(toInstance);
    },
    async *logs(app, env, opts, io) {
      const ours = (await listOurs(hosts(app, env), app.name, env)).sort((a, b) => a.index - b.index);
      if (ours.length === 0)
        throw new UserError(
          'no_replicas',
          `no domain of ${app.name} (${env}) is running, so there are no logs to show; "status ${app.name}" shows its state`,
        );
      if (opts.replica !== undefined && !ours.some((d) => d.index === opts.replica))
        throw new UserError(
          'replica_not_running',
          `${app.name} (${env}) runs no domain with index ${opts.replica}; running: ${ours.map((d) => d.index).join(', ') || 'none'}`,
        );
      const chosen = ours.filter((x) => opts.replica === undefined || x.index === opts.replica);
      const replica = (d: (typeof ours)[number]) => ({ instance: d.name, replica: d.index, release: d.release });
      if (opts.followSeconds) {
        // The domains listed at the last look: a console log outlives its domain, so a followed
        // domain no longer listed is gone. Domains found later booted after the follow began: their console from its start.
        let listed = new Set(ours.map((d) => d.name));
        const gone = (name: string) => () => !listed.has(name);
        const sources = chosen.map((d) => followConsole(d.hostRef, d.name, replica(d), opts.tail, { gone: gone(d.name) }));
        const seen = new Set(chosen.map((d) => d.name));
        const discover = async () => {
          const now = await listOurs(hosts(app, env), app.name, env);
          listed = new Set(now.map((d) => d.name));
          const fresh = now.filter((d) => !seen.has(d.name) && (opts.replica === undefined || d.index === opts.replica));
          for (const d of fresh) seen.add(d.name);
          return fresh.map((d) =>
            followConsole(d.hostRef, d.name, replica(d), CONSOLE_POLL_LINES, { started: STARTED_SINCE, gone: gone(d.name) }),
          );
        };
        yield* mergeFollowed(sources, opts.followSeconds, opts.stop ?? io.signal, discover);
        return;
      }
      for (const d of chosen)
        for (const text of await d.hostRef.consoleTail(d.name, opts.tail)) yield { ...replica(d), stream: 'stdout' as const, text };
    },
    async pruneImages(app, _env, keep) {
      return store.prune(app.name, keep).map((sha) => `sha256:${sha}`);
    },
    async abandon({ app, env, release }, liveToken, io) {
      const ours = (await listOurs(hosts(app, env), app.name, env)).filter((d) => d.release === release);
      if (liveToken !== undefined && ours.some((d) => d.fence === liveToken)) return 'live';
      await destroyAll(
        ours.map((d) => ({ host: d.hostRef, name: d.name })),
        io,
        'left by an attempt whose worker died',
      );
      return 'removed';
    },
    async reconcile(app, env, liveToken) {
      if (!hasEnvironment(app, env)) return [];
      const list = hostsFor(app, env);
      const removed: string[] = [];
      for (const host of list) {
        const { domains } = await host.list();
        const ours = domains.filter((d) => d.name.startsWith(`${app.name}-${env}-v`));
        for (const d of ours.filter((x) => x.fence !== undefined && x.fence < liveToken)) {
          await host.destroy(d.name);
          removed.push(d.name);
        }
      }
      return removed;
    },
  };
}
