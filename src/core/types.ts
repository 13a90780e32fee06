/**
 * Platform-neutral types. Adapters build `Invocation`s and `Interaction`s and render `Reply`s;
 * nothing else knows which chat platform is on the other end.
 */

/** A chat user as the platform identifies them: `slack:T1/U2`, `discord:123`, `local:alice`. */
export interface ChatUser {
  id: string;
  /** For display only; never used for authorisation. */
  name: string;
}

/** Where a job's parent message and thread live. Stored in the job so any process can post there. */
export interface ThreadRef {
  platform: string;
  /** Channel / conversation id on the platform. */
  conversation: string;
  /** Parent message id once it has been posted (the relay posts it when absent). */
  parent?: string;
  /** Opaque platform data the adapter needs later (e.g. a Discord interaction token). */
  meta?: Record<string, string>;
}

/** One chat command as received: who, where, what, when. Built only by adapters. */
export interface Invocation {
  platform: string;
  user: ChatUser;
  conversation: string;
  /** Set when the command was typed inside an existing thread. */
  thread?: string;
  /** The command text after the bot's name, e.g. `deploy hello main`. */
  text: string;
  receivedAt: Date;
  /** A platform delivery id (trigger id, interaction id); equal ids mean the same command. */
  deliveryId?: string;
  /** Opaque platform data carried into the job's ThreadRef. */
  meta?: Record<string, string>;
  /**
   * The command's correlation id, set by the dispatcher when it takes the command (see
   * dispatch/job-data.ts `commandId`): the job's id, in the audit record, the logs and any
   * internal-error reply.
   */
  id?: string;
}

/** A button press or other component interaction, neutralised by the adapter. */
export interface Interaction {
  platform: string;
  user: ChatUser;
  conversation: string;
  /** The button's id, e.g. `cancel`. */
  action: string;
  /** The button's value, e.g. a job id. */
  value: string;
  /** A platform id for the click; equal ids mean the same click. */
  deliveryId: string;
  /** Words the user typed with it (a Reject's reason, from the platform's form). */
  reason?: string;
}

/** `attention`: a job that succeeded and reports something to look at (a status with replicas missing or unhealthy). */
export type ReplyStatus = 'info' | 'queued' | 'running' | 'succeeded' | 'attention' | 'failed' | 'cancelled' | 'waiting-approval' | 'error';

export interface ReplyButton {
  id: string;
  label: string;
  style?: 'primary' | 'danger' | 'default';
  value: string;
}

export interface ReplyStep {
  name: string;
  state: 'pending' | 'running' | 'done' | 'failed' | 'skipped';
  /** Milliseconds spent, once finished. */
  ms?: number;
}

/** A neutral chat message. Each adapter renders it within its platform's limits. */
export interface Reply {
  title: string;
  status: ReplyStatus;
  text?: string;
  fields?: Array<{ label: string; value: string }>;
  steps?: ReplyStep[];
  /** Preformatted blocks (log excerpts, tables). */
  code?: string[];
  buttons?: ReplyButton[];
  /**
   * The answer to a second delivery of something this or another bot process handles (a click
   * claimed already). A platform that hands every event to every bot process (Discord's
   * gateway) leaves it unanswered: the process handling it answers.
   */
  duplicate?: boolean;
  /** Files that go with it (a job's chart), attached after it by the relay; named here, their bytes kept in the job store. */
  attachments?: Array<{ name: string; contentType: string; bytes: number }>;
  /** Shown only to the invoking user where the platform supports it. */
  ephemeral?: boolean;
  /**
   * A job's parent while the job waits for its time (a burst's scale-back): when it runs (ISO).
   * The local chat does not count such a job as running in its thread until it starts, so
   * `voxoz say` ends with the job it asked for rather than hours later.
   */
  scheduledFor?: string;
  /**
   * The thread goes on after this message: an approval request waits in it (on the requester's
   * answer), or the approved job runs in it next (on the request's last edit). The local chat
   * keeps such a thread open, so `voxoz say` follows it to the decision and the job's end.
   */
  goesOn?: true;
  /** A job's parent posted in a thread kept open for it (an approved job, in its request's thread). */
  continuesThread?: true;
}

/** What goes on the queue. Everything a worker anywhere needs, and nothing platform-specific but the ThreadRef. */
export interface JobData {
  id: string;
  /**
   * Which processor runs it: a `JobKind`, a key of `processors` in src/jobs/processors/index.ts
   * (typed there, not here, so that core types import nothing). A worker refuses a kind it does
   * not know, e.g. one queued by a newer voxoz.
   */
  kind: string;
  /** The command line as typed, for the parent message. */
  command: string;
  app?: string;
  env: string;
  args: Record<string, string | number | boolean | undefined>;
  requestedBy: ChatUser;
  /** Who approved it, when an approval rule made it wait for one. */
  approvedBy?: ChatUser;
  thread: ThreadRef;
  requestedAt: string;
  /** The BullMQ queue it went to (jobs/job-route.ts): `jobs`, or `jobs-<runtime>` for an app of another runtime. @defaultValue "jobs" */
  queue?: string;
  /** A delayed job (a burst's scale-back): no worker takes it before this time (ISO). */
  runAt?: string;
  /** Set only on the queue's copy, once the enqueue was confirmed (jobs/confirm-mark.ts). */
  confirmed?: boolean;
}
