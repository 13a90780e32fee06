/** One app environment's stable address. */
export interface Site {
  /** The installation that owns it (several voxoz may share one caddy); part of every id. */
  instance: string;
  app: string;
  env: string;
  /** Where clients connect: 127.0.0.1:<the app's port for this environment>. */
  listen: string;
}

/** What a site routes to now, and the fencing token of the deploy that set it (0 when unfenced). */
export interface Route {
  upstreams: string[];
  fence: number;
}

/**
 * The front door of every app environment: a maintained proxy (Caddy) that voxoz configures
 * through its admin API. A deploy starts new replicas beside the old and moves traffic with
 * `switch`; requests in flight to the old replicas finish there.
 */
export interface FrontDoor {
  /**
   * Points `site` at `upstreams` (host:port) in one admin call, creating the site on first use.
   * `fence` is recorded with the route; a route already set by a newer token is not replaced
   * and `switch` answers false (a fenced deploy that lost its lock must not move traffic).
   * Without a fence the route is replaced unconditionally.
   */
  switch(site: Site, upstreams: string[], fence?: number): Promise<boolean>;
  /** What `site` routes to now; undefined when the front door has no such site. */
  route(site: Site): Promise<Route | undefined>;
  /** Which site of this front door listens on `listen`, as "app (env)" (to say who holds a port), if any. */
  siteAt(listen: string): Promise<string | undefined>;
  /** Stops serving `site` (its address stops answering). */
  remove(site: Site): Promise<void>;
  /**
   * Removes `instance`'s sites that serve nothing and whose app environment is not in
   * `configured` ("app (env)"), freeing their addresses (drop-idle-sites.ts `idleSites`).
   * Returns the sites removed. Front doors that voxoz's own process does not run have it.
   */
  dropIdle?(instance: string, configured: ReadonlySet<string>): Promise<string[]>;
  /**
   * Why a switch may reset a connection that arrives at that very moment, when it may: the
   * host's kernel does not hand the connections queued on Caddy's old listening socket to the
   * new one (docs/decisions/2026-12-03-listener-handover.md). Undefined when it does. Only front
   * doors on hosts voxoz cannot set it on have this; voxoz's own sets it when it starts.
   */
  handoverWarning?(): Promise<string | undefined>;
}
