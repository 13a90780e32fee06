import type { DeployStep } from './deploy-steps.ts';
import type { AppSpec } from '../config/schema.ts';
import type { ReplyStep } from '../core/types.ts';

/** What a driver may do to the job it runs for: log, mark steps, notice cancellation. */
export interface DriverIO {
  log(line: string): void;
  step(name: string, state: ReplyStep['state']): void;
  /** Aborted when the job is cancelled; drivers stop at the next safe point and undo what they started. */
  signal: AbortSignal;
  now(): Date;
  /** Set for jobs that hold the app+env lock (deploys): what they create carries its token. */
  fence?: Fence;
  /** Called at each deploy step boundary (the kill -9 tests' crash hook, `VOXOZ_CRASH_AT`); unset: nothing. */
  checkpoint?: (step: DeployStep) => void;
}

/**
 * A lock holder's fencing token. Tokens grow with every holder of an app+env's lock, so a
 * holder that paused past its lock (and was replaced) can find out, and what it created can
 * be told apart from the newest holder's (Docker: label `voxoz.fence`).
 */
export interface Fence {
  readonly token: number;
  /** True while no newer holder has taken the lock since this token was handed out. */
  isNewest(): Promise<boolean>;
  /** The token of the deploy whose release serves now; undefined before any fenced deploy went live. */
  live(): Promise<number | undefined>;
  /** Atomically: if this token is still the newest, records it as the one that serves (the switch) and returns true. */
  claimLive(): Promise<boolean>;
}

/** A built, deployable thing: a Docker image or a LING kernel image. */
export interface Artifact {
  /** Image id or kernel sha256: what a release pins. */
  id: string;
  /** A human name, e.g. voxoz-hello:v3. */
  name: string;
  commit?: string;
}

export interface Instance {
  id: string;
  name: string;
  release: number;
  state: string;
  healthy: boolean | undefined;
  startedAt?: string;
  /** Where this replica answers, e.g. 127.0.0.1:20417 (clients use the front door's address instead). */
  address?: string;
  /**
   * Times the runtime restarted this instance after it exited (Docker: `RestartCount`, by its
   * restart policy), since it was created or last started by hand; undefined when the runtime does not say.
   */
  restarts?: number;
  /** What else the runtime says of it, one short line (LING: memory, vCPUs, CPU time). */
  detail?: string;
}

export interface DeployOutcome {
  instances: Instance[];
  healthy: number;
  /** The environment's stable address (the front door), e.g. 127.0.0.1:8080; the instances' own addresses are their replicas'. */
  address?: string;
}

export interface DeployTarget {
  app: AppSpec;
  env: string;
  release: number;
  /** The environment's front-door port: clients use 127.0.0.1:port, whichever replicas serve. */
  port: number;
}

/** A scale of the live release: `release` is the live one, `artifact` its image (from the ledger). */
export interface ScaleTarget extends DeployTarget {
  artifact: Artifact;
}

/** What `logs` asks for: the last `tail` lines of each replica, only those newer than `sinceSeconds` ago, of one replica or all. */
export interface LogOptions {
  tail: number;
  sinceSeconds?: number;
  /** The replica's index (VOXOZ_REPLICA); all running replicas when unset. */
  replica?: number;
  /** `--follow`: after those lines, the new ones as they come, for this many seconds at most (follow-lines.ts). */
  followSeconds?: number;
  /** Ends a follow sooner (the job's cancel or its worker stopping). @defaultValue the job's signal */
  stop?: AbortSignal;
}

/** One line an instance wrote, with the stream it came on. */
export interface LogLine {
  /** The instance's name, as `status` shows it. */
  instance: string;
  replica: number;
  release: number;
  /**
   * `ended`: a followed instance's log ended before the follow did (it stopped); `text` says why.
   * `started`: an instance that started after the follow began is followed from here on.
   * `restarted`: a followed instance exited and its runtime started it again (a crash loop);
   * its lines go on.
   */
  stream: 'stdout' | 'stderr' | 'ended' | 'started' | 'restarted';
  text: string;
}

/**
 * One interface for every runtime; the Docker and LING drivers implement it, chosen by the
 * app's `runtime` from an explicit map. SDK types (dockerode, xl) never leave a driver.
 * Scale, rollback and logs join here with the runtime issues that need them.
 */
export interface Driver {
  readonly runtime: string;
  build(target: DeployTarget, ref: string | undefined, io: DriverIO): Promise<Artifact>;
  /** Copy-update-switch: start the new release beside the old, check it, switch the front door, drain and retire the old; on any failure before the switch the old keep serving. */
  deploy(target: DeployTarget, artifact: Artifact, io: DriverIO): Promise<DeployOutcome>;
  status(app: AppSpec, env: string): Promise<Instance[]>;
  /**
   * Sets the live release's running replicas to `n` through the front door: new ones start
   * beside the serving ones and must pass the health gate before the one switch; fewer are
   * switched away from first, then drained and retired. n = 0 leaves the site with no upstream.
   */
  scale?(target: ScaleTarget, n: number, io: DriverIO): Promise<DeployOutcome>;
  /**
   * For a deploy whose workers died and that gives up: 'live' when the release's instances carry
   * the serving token (it was switched to; the deploy must finish instead), else removes them
   * and answers 'removed'.
   */
  abandon?(target: DeployTarget, liveToken: number | undefined, io: DriverIO): Promise<'live' | 'removed'>;
  /**
   * Deletes this app environment's images (artifacts) whose ids are not in `keep`; an image a
   * container still uses stays. Returns the ids deleted.
   */
  pruneImages?(app: AppSpec, env: string, keep: ReadonlySet<string>, io: DriverIO): Promise<string[]>;
  /**
   * Removes what stale lock holders left: instances whose fence token is older than `liveToken`
   * (the serving release's), and makes the front door route to the serving release's
   * replicas. Safe without the lock: no current holder has an older token, and the front door
   * refuses a route older than its own. Returns the names removed.
   */
  reconcile?(app: AppSpec, env: string, liveToken: number): Promise<string[]>;
  /**
   * Frees the addresses held by the front doors this driver keeps on its engines (a remote
   * engine's, each Swarm node's) for app environments not in `configured` ("app (env)") that
   * serve nothing (FrontDoor.dropIdle). Returns the sites removed, each once.
   */
  dropIdleSites?(configured: ReadonlySet<string>): Promise<string[]>;
  /**
   * What the running replicas of app+env wrote, stdout and stderr told apart, replica by
   * replica (oldest line first within each). Unmasked: the job stream masks every line. A
   * replica index that does not run is a UserError naming the ones that do.
   */
  logs?(app: AppSpec, env: string, opts: LogOptions, io: DriverIO): AsyncIterable<LogLine>;
}

export type DriverMap = Readonly<Record<string, Driver>>;
