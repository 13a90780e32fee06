/** What a run reads of its job's cancel: whether and why it came, and the signal its processor listens on. */
export interface JobAbort {
  readonly aborted: boolean;
  readonly reason: unknown;
  readonly signal: AbortSignal;
}

/** A running job's cancel, as the worker pool keeps it (a Cancel in chat, a second Ctrl-C). */
export interface JobCancel extends JobAbort {
  /** Cancels the job, once (a later call changes nothing). */
  abort(reason: unknown): void;
}

/**
 * A job's cancel whose AbortSignal is made only when first asked for: a job that never listens
 * (most read-only jobs) does not pay for one. Node's AbortSignal costs microseconds to make (it
 * is an EventTarget given a new prototype), a large share of what a no-op job costs its worker
 * (bench/queue-bench.ts). A cancel before the signal is made is kept: the signal is made aborted.
 */
export function lazyCancel(): JobCancel {
  return new LazyCancel();
}

/** A class, not an object literal with getters: a job makes one, and a literal with getters costs more to make. */
class LazyCancel implements JobCancel {
  #controller: AbortController | undefined;
  #aborted = false;
  #reason: unknown;
  get aborted(): boolean {
    return this.#aborted;
  }
  get reason(): unknown {
    return this.#reason;
  }
  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }
  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    this.#controller?.abort(reason);
  }
}

/** A JobAbort read from a signal (a job that holds an app lock: cancelled, or its lock lost). */
export function signalAbort(signal: AbortSignal): JobAbort {
  return {
    get aborted() {
      return signal.aborted;
    },
    get reason() {
      return signal.reason;
    },
    signal,
  };
}
