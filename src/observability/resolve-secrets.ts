import { UserError } from '../core/user-error.ts';
import { shortSecretProblem } from './check-secret.ts';

/**
 * The values of an app's `secrets`, by name, from voxoz's environment. A deploy must not go
 * ahead without one, so an unset variable or a value too short to mask is a UserError that
 * names every such variable (it used to be dropped silently).
 */
export function resolveSecrets(names: ReadonlyArray<string>, env: NodeJS.ProcessEnv): Record<string, string> {
  const values: Record<string, string> = {};
  const problems: string[] = [];
  for (const name of names) {
    const value = env[name];
    if (value === undefined || value === '') {
      problems.push(
        `secret ${name} is not set in voxoz's environment; set it where voxoz (and its workers) run, or remove it from the app's secrets in voxoz.yml`,
      );
      continue;
    }
    const short = shortSecretProblem(`secret ${name}`, value);
    if (short) problems.push(short);
    else values[name] = value;
  }
  if (problems.length > 0)
    throw new UserError(problems.some((p) => p.includes('not set')) ? 'secret_unset' : 'secret_too_short', problems.join('; '));
  return values;
}
