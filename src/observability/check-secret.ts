/**
 * Shortest secret value voxoz will hold: a shorter one would mask ordinary words in every log
 * (or, unmasked, leak), so it is refused as a config error rather than silently skipped.
 */
export const MIN_SECRET_LENGTH = 8;

/** The problem with a secret's value, or undefined when it can be masked safely. */
export function shortSecretProblem(label: string, value: string): string | undefined {
  if (value.length >= MIN_SECRET_LENGTH) return undefined;
  return `${label} is ${value.length} character${value.length === 1 ? '' : 's'}; secrets shorter than ${MIN_SECRET_LENGTH} cannot be masked safely`;
}
