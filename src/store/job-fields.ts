/**
 * The job record: a hash at `keys.job(id)` plus a stream of events at `keys.events(id)`. These
 * are the only spellings of its field names and lifetimes; every module (and every Lua script,
 * through its arguments or `jobFieldsLua`) takes them from here.
 */
export const JOB_FIELD = {
  /** JobData JSON, written once by `reserve`. */
  data: 'data',
  /** pending | confirmed | started | finished | abandoned (see jobs/job-state.ts). */
  state: 'state',
  /** When the pending record was written, in Redis ms. */
  pendingSince: 'pendingSince',
  /** The requester's id (whose cap the job counts against). */
  user: 'user',
  /** Relay checkpoint: the parent message id on the platform. */
  parent: 'parent',
  /** Relay checkpoint: the last stream entry whose log lines were posted. */
  relayedTo: 'relayedTo',
  /** Relay checkpoint: `1` once the whole log was attached. */
  uploaded: 'uploaded',
  /** Relay checkpoint: how many of the outcome's attachments (in order) were attached. */
  attached: 'attached',
  /** Relay checkpoint: `1` once everything about the job was posted. */
  relayed: 'relayed',
  /** The holder a job waiting for its app lock was first seen waiting behind. */
  waited: 'waited',
  /** The last "waiting behind …" line posted for the job (said again only when it changes). */
  waitNote: 'waitNote',
} as const;

/** A value a processor reserved once for the job's every attempt (e.g. a release number). */
export const reservedField = (name: string) => `reserved:${name}`;

/** How long a finished job's stream and record are kept, in seconds. @defaultValue 7 days */
export const STREAM_TTL_SECONDS = 7 * 24 * 3600;
/** How long an abandoned record is kept (a redelivery of it is refused meanwhile), in seconds. @defaultValue 1 day */
export const ABANDONED_TTL_S = 24 * 3600;
/** Stream entries beyond the log's own (queued, started, steps, done, retries' notes) one stream may hold. */
export const OTHER_ENTRIES = 1000;
