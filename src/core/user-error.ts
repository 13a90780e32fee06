/**
 * A failure whose message is safe and useful to show in chat as it is. Anything else that is
 * thrown is logged with a correlation id and the user sees only that id.
 * `code` is stable (`app_not_found`, `replicas_out_of_range`) so tests and callers can match it.
 */
export class UserError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'UserError';
    this.code = code;
  }
}

export function isUserError(err: unknown): err is UserError {
  return err instanceof Error && err.name === 'UserError' && typeof (err as UserError).code === 'string';
}
