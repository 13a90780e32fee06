/** Discord JSON error codes the simulator answers with (a subset of Discord's list). */
export const ErrorCode = {
  General: 0,
  UnknownChannel: 10003,
  UnknownMessage: 10008,
  UnknownWebhook: 10015,
  UnknownInteraction: 10062,
  UnknownApplicationCommand: 10063,
  RequestTooLarge: 40005,
  InteractionAcknowledged: 40060,
  MissingAccess: 50001,
  CannotEditOthersMessage: 50005,
  EmptyMessage: 50006,
  MissingPermissions: 50013,
  InvalidChannelType: 50024,
  InvalidWebhookToken: 50027,
  InvalidFormBody: 50035,
  InvalidJson: 50109,
  ThreadAlreadyExists: 160004,
} as const;

/** One field error leaf, as in Discord's `errors` tree: `{ _errors: [{ code, message }] }`. */
export interface FieldError {
  code: string;
  message: string;
}

/** Nested error tree keyed by field names / array indexes, leaves under `_errors`. */
export type ErrorTree = { _errors?: FieldError[] } & { [key: string]: ErrorTree | FieldError[] | undefined };

/** Thrown by handlers; the router turns it into an HTTP answer with Discord's JSON body. */
export class SimHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(String(body.message));
  }
}

/** `{ message, code }` error with the given HTTP status. */
export function apiError(status: number, code: number, message: string): SimHttpError {
  return new SimHttpError(status, { message, code });
}

/** 400 50035 Invalid Form Body with Discord's `errors` tree. */
export function formError(errors: ErrorTree): SimHttpError {
  return new SimHttpError(400, { message: 'Invalid Form Body', code: ErrorCode.InvalidFormBody, errors });
}

/** Collects field errors into a Discord-style tree while validating. */
export class ErrorCollector {
  readonly tree: ErrorTree = {};
  count = 0;

  /** Adds an error at `path` (e.g. `['embeds', 0, 'title']`). */
  add(path: Array<string | number>, code: string, message: string): void {
    let node: ErrorTree = this.tree;
    for (const key of path) {
      const k = String(key);
      const next = node[k];
      if (next === undefined || Array.isArray(next)) {
        const created: ErrorTree = {};
        node[k] = created;
        node = created;
      } else node = next;
    }
    (node._errors ??= []).push({ code, message });
    this.count += 1;
  }

  /** Throws 50035 if any error was added. */
  throwIfAny(): void {
    if (this.count > 0) throw formError(this.tree);
  }
}

/** Standard messages for common validation failures. */
export const maxLen = (n: number): FieldError => ({ code: 'BASE_TYPE_MAX_LENGTH', message: `Must be ${n} or fewer in length.` });
export const badLen = (min: number, max: number): FieldError => ({
  code: 'BASE_TYPE_BAD_LENGTH',
  message: `Must be between ${min} and ${max} in length.`,
});
export const required = (): FieldError => ({ code: 'BASE_TYPE_REQUIRED', message: 'This field is required' });
