import { z } from 'zod';
import { showValue } from './show-value.ts';
import { wholeNumber } from './whole-number.ts';
import { accessSections, appChannels } from './access-schema.ts';
import { schedulesSection } from './schedule-schema.ts';
import { HEALTH_DEFAULTS, healthSchema } from './health-schema.ts';
import { ALERT_DEFAULTS, alertsSchema } from './alert-schema.ts';
import { DEFAULT_REPLICA_PORTS, PORT_RANGE, parsePortRange } from './port-range.ts';
import { TARGET_NAME, targetsSection } from './target-schema.ts';
import { lingAppSchema, XEN_HOST_NAME, xenSection } from './xen-schema.ts';

/** App names become container names, image tags and Redis keys: keep them boring. */
export const APP_NAME = /^[a-z][a-z0-9-]{0,39}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** A DNS name: labels of letters, digits and dashes, at least two of them. */
const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** Deploy environments (`--env`): lowercase, like app names. */
export const ENVIRONMENT_NAME = /^[a-z][a-z0-9-]{0,31}$/;

const appName = z.string({ error: 'must be a string' }).regex(APP_NAME, {
  error: (iss) =>
    `must be lowercase letters, digits and dashes, starting with a letter, at most 40 chars (e.g. "hello"), got ${showValue(iss.input)}`,
});

/** A git remote: https/ssh/git/file URL, scp-style `user@host:path`, or an absolute local path. Never an option. */
const GIT_URL = /^(?:(?:https?|ssh|git|file):\/\/[^\s]+|[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^\s]+|\/[^\s]*)$/;

const source = z.union(
  [
    z.strictObject({
      /** Directory holding the Dockerfile, relative to the config file. */
      path: z.string().min(1, { error: 'must name a directory, e.g. ./examples/hello' }),
    }),
    z.strictObject({
      /** Repository to clone: https://, ssh://, git://, file://, user@host:path or an absolute path. */
      git: z.string().regex(GIT_URL, {
        error: (iss) =>
          `must be a git URL (https://…, ssh://…, file:///…, user@host:path) or an absolute path, got ${showValue(iss.input)}`,
      }),
      /** Branch, tag or commit deployed when the command names none. @defaultValue "main" */
      ref: z.string().default('main'),
    }),
  ],
  { error: 'must be either { path: ./dir } or { git: <url>, ref: <branch|tag|sha> }' },
);

const portRange = z.string({ error: 'must be a port range like "20000-20099"' }).refine(
  (r) => {
    const { from, to } = parsePortRange(r);
    return PORT_RANGE.test(r) && from >= 1024 && to <= 65_535 && from <= to;
  },
  { error: (iss) => `must be a port range like "20000-20099" within 1024..65535, low end first, got ${showValue(iss.input)}` },
);

const SIZE = /^\d+[kmg]$/i;
/** Docker refuses a memory limit below 6 MiB. */
const MIN_MEMORY_BYTES = 6 * 1024 * 1024;
const sizeBytes = (size: string) => Number(size.slice(0, -1)) * 1024 ** ('kmg'.indexOf(size.slice(-1).toLowerCase()) + 1);

const resources = z.strictObject({
  /** Memory limit, e.g. "64m", "1g"; at least "6m" (Docker's minimum). @defaultValue none */
  memory: z
    .string()
    .regex(SIZE, { error: (iss) => `must be a size like "64m" or "1g", got ${showValue(iss.input)}` })
    .refine((m) => !SIZE.test(m) || sizeBytes(m) >= MIN_MEMORY_BYTES, {
      error: (iss) => `must be at least "6m" (Docker refuses less), got ${showValue(iss.input)}`,
    })
    .optional(),
  /** CPU limit in cores, e.g. 0.5. @defaultValue none */
  cpus: z.number().min(0.01, { error: 'must be at least 0.01' }).max(64, { error: 'must be at most 64' }).optional(),
});

const build = z.strictObject({
  /** Longest the image build may run; past it the build is stopped and nothing it made is kept. @defaultValue 1800 */
  timeoutSeconds: wholeNumber(1, 86_400).default(1800),
  /** Longest `git clone` (and checkout) may run for a git source. @defaultValue 300 */
  cloneTimeoutSeconds: wholeNumber(1, 3600).default(300),
});

/** Variables set in every replica (an environment's own are laid over the app's). */
const plainEnv = z.record(
  z.string().regex(ENV_NAME, { error: 'environment names are letters, digits and _' }),
  z.string({ error: 'environment values must be strings (quote numbers)' }),
);

export const appSchema = z.strictObject({
  name: appName,
  /** Which driver runs the app. @defaultValue "docker" */
  runtime: z.enum(['docker', 'ling'], { error: (iss) => `must be "docker" or "ling", got ${showValue(iss.input)}` }).default('docker'),
  source,
  /** Dockerfile path inside the source. @defaultValue "Dockerfile" */
  dockerfile: z
    .string()
    .refine((p) => !p.startsWith('/') && !p.split('/').includes('..'), { error: 'must be a relative path inside the source, without ".."' })
    .default('Dockerfile'),
  /**
   * The app's stable address, 127.0.0.1:port, served by the front door (voxoz's Caddy) in the
   * first environment that names no port of its own. Replicas listen on ports voxoz picks from
   * the environment's `replicaPorts` (or `frontDoor.replicaPorts`).
   */
  port: wholeNumber(1024, 65_000).optional(),
  /** LING apps (`runtime: ling`): memory, start arguments, ready line. @defaultValue memory 128, readyLine "ready" */
  ling: lingAppSchema.optional(),
  /** Instances to run. @defaultValue 1 */
  replicas: wholeNumber(1, 100).default(1),
  /** Plain environment for every replica. PORT and VOXOZ_* are set by voxoz. @defaultValue {} */
  env: plainEnv.default({}),
  /** Names of variables taken from voxoz's own environment at deploy time; their values are masked in every log. @defaultValue [] */
  secrets: z.array(z.string().regex(ENV_NAME, { error: 'secret names are letters, digits and _' })).default([]),
  health: healthSchema.default(HEALTH_DEFAULTS),
  /** Seconds the old replicas keep running after the switch, so requests they were answering finish. @defaultValue 5 */
  drainSeconds: wholeNumber(0, 3600).default(5),
  /**
   * Images kept per app environment: those of the newest `keepImages` releases that went live;
   * older ones are deleted after each successful deploy or rollback. The live release's image and
   * the one a default rollback would redeploy are always kept. @defaultValue 5
   */
  keepImages: wholeNumber(1, 100).default(5),
  /** Limits of a build. @defaultValue { timeoutSeconds: 1800, cloneTimeoutSeconds: 300 } */
  build: build.default({ timeoutSeconds: 1800, cloneTimeoutSeconds: 300 }),
  resources: resources.default({}),
  /**
   * Where the app may be deployed (`deploy hello --env staging`), each with its own first port
   * (replicas share the host's network, so environments must not share ports), and, if it sets
   * them, its own replica count and variables.
   * @defaultValue { production: {} } (production on `port`)
   */
  environments: z
    .record(
      z.string().regex(ENVIRONMENT_NAME, { error: 'environment names are lowercase letters, digits and dashes, e.g. staging' }),
      z.strictObject({
        /** The environment's front-door port. @defaultValue the app's `port` */
        port: wholeNumber(1024, 65_000).optional(),
        /** Instances to run in this environment (e.g. 1 in staging, 3 in production). @defaultValue the app's `replicas` */
        replicas: wholeNumber(1, 100).optional(),
        /** Variables for this environment's replicas, laid over the app's `env` (same name: this one wins). @defaultValue {} */
        env: plainEnv.optional(),
        /** Ports only this environment's replicas use ("21000-21019"): at least twice `replicas` (old and new run side by side). @defaultValue the shared `frontDoor.replicaPorts` */
        replicaPorts: portRange.optional(),
        /** Names served over HTTPS on `frontDoor.httpsPort` with certificates from the front door's own CA (e.g. hello.internal). */
        hostnames: z
          .array(z.string().regex(HOSTNAME, { error: 'must be a DNS name, e.g. hello.internal' }))
          .max(20)
          .optional(),
        /** LING apps: the Xen hosts (names in xen.hosts) this environment's domains may run on. @defaultValue every host */
        xenHosts: z.array(z.string().regex(XEN_HOST_NAME)).min(1).optional(),
        /** Docker apps: the target (a name in `targets`) this environment deploys to. @defaultValue "local" (the engine at DOCKER_HOST) */
        target: z.string().regex(TARGET_NAME, { error: 'must be a target name from targets, e.g. swarm-eu' }).optional(),
      }),
    )
    .default({ production: {} }),
  /** Channels that commands changing this app must come from (a second factor besides roles). @defaultValue any channel */
  channels: appChannels,
  /** Alert rules (src/alerts). @defaultValue on, posted to `chat.systemChannel` */
  alerts: alertsSchema.default(ALERT_DEFAULTS),
});

/** @defaultValue 16 MiB, 200,000 lines, the last 500 lines kept */
export const LOG_LIMIT_DEFAULTS = { bytes: 16 * 1024 * 1024, lines: 200_000, tailLines: 500 };

/**
 * How much of one job's log is kept (in Redis, the thread and the uploaded file). Past either
 * limit lines are dropped, the last `tailLines` are kept, and one "log truncated" line says so.
 */
const logLimit = z.strictObject({
  /** Bytes of log lines (UTF-8) per job attempt. @defaultValue 16777216 (16 MiB) */
  bytes: wholeNumber(4096, 1024 ** 3).default(LOG_LIMIT_DEFAULTS.bytes),
  /** Log lines per job attempt. @defaultValue 200000 */
  lines: wholeNumber(100, 10_000_000).default(LOG_LIMIT_DEFAULTS.lines),
  /** Lines from the end of a truncated log that are kept and written after the truncation line. @defaultValue 500 */
  tailLines: wholeNumber(0, 10_000).default(LOG_LIMIT_DEFAULTS.tailLines),
});

/** @defaultValue { local: "system" } */
export const SYSTEM_CHANNEL_DEFAULT = { local: 'system' };

/**
 * Where a job that no chat command started (a burst's scale-back, a scheduled summary) is
 * posted when it has no originating thread: one channel per platform. Such a job goes to the
 * first platform listed (e.g. `{ slack: C0123ABCD, local: ops }` posts to Slack).
 */
const systemChannel = z
  .strictObject({
    /** A Slack channel id, e.g. C0123ABCD. */
    slack: z
      .string()
      .regex(/^[CG][A-Z0-9]{2,20}$/, { error: (iss) => `must be a Slack channel id like C0123ABCD, got ${showValue(iss.input)}` })
      .optional(),
    /** A Discord channel id (a snowflake). */
    discord: z
      .string()
      .regex(/^\d{1,20}$/, { error: (iss) => `must be a Discord channel id (digits, quoted), got ${showValue(iss.input)}` })
      .optional(),
    /** A local chat channel: its threads are listed at GET /local/channels/<name>/threads. */
    local: z
      .string()
      .regex(/^[a-z0-9][a-z0-9._-]{0,39}$/, { error: (iss) => `must be a channel name like ops, got ${showValue(iss.input)}` })
      .optional(),
  })
  .refine((c) => Object.keys(c).length > 0, { error: 'must name at least one platform, e.g. { local: ops }' });

export const configSchema = z.strictObject({
  ...accessSections,
  ...schedulesSection,
  ...xenSection,
  ...targetsSection,
  apps: z.array(appSchema, { error: 'must be a list of apps' }).default([]),
  worker: z
    .strictObject({
      /** Jobs one worker process runs at once. @defaultValue 2 */
      concurrency: wholeNumber(1, 64).default(2),
      /** Tries per job when the engine or Redis fails transiently. @defaultValue 3 */
      attempts: wholeNumber(1, 10).default(3),
      /** Run a worker pool inside the bot process; false when all workers run elsewhere (`voxoz worker`). @defaultValue true */
      inProcess: z.boolean({ error: 'must be true or false' }).default(true),
      logLimit: logLimit.default(LOG_LIMIT_DEFAULTS),
      /** Unfinished jobs (queued, waiting or running) one user may have; the next command is refused until one ends. @defaultValue 20 */
      maxQueuedPerUser: wholeNumber(1, 1000).default(20),
      /**
       * How long a worker that stops answering (killed, crashed, cut off from Redis) keeps its
       * running jobs before another worker takes them over (BullMQ's job lock; the stalled check
       * runs every half of it); the app lock of such a job lives four times as long (2 min by default). A job is
       * taken over at most twice; a deploy gives up at the second. See docs/decisions/2026-12-02-crash-recovery.md. @defaultValue 30
       */
      stalledSeconds: wholeNumber(2, 600).default(30),
      /**
       * How often a worker asks again what it reaches (the targets of voxoz.yml, the Xen hosts):
       * one that answers now has its jobs taken from then on; one that stopped answering (two
       * checks in a row) has its new jobs refused at once unless another worker takes them. @defaultValue 30
       */
      reachCheckSeconds: wholeNumber(1, 3600).default(30),
    })
    .default({
      concurrency: 2,
      attempts: 3,
      inProcess: true,
      logLimit: LOG_LIMIT_DEFAULTS,
      maxQueuedPerUser: 20,
      stalledSeconds: 30,
      reachCheckSeconds: 30,
    }),
  frontDoor: z
    .strictObject({
      /** Ports voxoz picks replica ports from for every environment without `replicaPorts` of its own; kept below Linux's ephemeral range (32768-60999). @defaultValue "20000-29999" */
      replicaPorts: portRange.default(DEFAULT_REPLICA_PORTS),
      /** The loopback port environments' `hostnames` are served on over HTTPS (one for every app). */
      httpsPort: wholeNumber(1024, 65_000).optional(),
    })
    .default({ replicaPorts: DEFAULT_REPLICA_PORTS }),
  chat: z
    .strictObject({
      /** Name the local adapter answers to in its help text. @defaultValue "voxoz" */
      botName: z
        .string()
        .regex(/^[a-z][a-z0-9-]{0,31}$/)
        .default('voxoz'),
      systemChannel: systemChannel.default(SYSTEM_CHANNEL_DEFAULT),
    })
    .default({ botName: 'voxoz', systemChannel: SYSTEM_CHANNEL_DEFAULT }),
});

export type AppSpec = z.infer<typeof appSchema>;
export type VoxozConfig = z.infer<typeof configSchema>;
