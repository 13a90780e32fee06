/** What became of an interaction's first response, as far as the job's parent message goes. */
export interface ParentHint {
  /** The response message, when Discord told us its id. */
  messageId?: string;
  /** True when the response is ephemeral (or absent), so it cannot carry a thread: the parent is posted instead. */
  ephemeral: boolean;
}

export interface ReplyTracker {
  /** Marks an interaction as being answered by this process; false if it already was (a redelivery). */
  begin(interactionId: string): boolean;
  settle(interactionId: string, hint: ParentHint): void;
  /** The hint once the answer is sent; undefined if this process never saw the interaction or `ms` passed. */
  wait(interactionId: string, ms: number): Promise<ParentHint | undefined>;
}

/** How long an entry is kept: an interaction's token lives 15 minutes. @defaultValue 16 min */
const KEEP_MS = 16 * 60_000;

/**
 * Shared by the interaction handler and the relay's surface in one process: the relay may pick
 * a job up before the interaction's answer (which becomes the parent) is sent; the surface
 * waits for it here rather than racing it. Another process simply finds nothing and asks Discord.
 */
export function createReplyTracker(): ReplyTracker {
  const entries = new Map<string, { hint?: ParentHint; waiters: Array<(h: ParentHint) => void>; timer: NodeJS.Timeout }>();
  return {
    begin(id) {
      if (entries.has(id)) return false;
      const timer = setTimeout(() => entries.delete(id), KEEP_MS);
      timer.unref();
      entries.set(id, { waiters: [], timer });
      return true;
    },
    settle(id, hint) {
      const entry = entries.get(id);
      if (!entry || entry.hint) return;
      entry.hint = hint;
      for (const w of entry.waiters.splice(0)) w(hint);
    },
    wait(id, ms) {
      const entry = entries.get(id);
      if (!entry) return Promise.resolve(undefined);
      if (entry.hint) return Promise.resolve(entry.hint);
      return new Promise((resolve) => {
        const timer = setTimeout(() => resolve(undefined), ms);
        entry.waiters.push((h) => {
          clearTimeout(timer);
          resolve(h);
        });
      });
    },
  };
}
