import type { LoadedConfig } from '../config/load-config.ts';
import { ConfigError } from '../config/load-config.ts';
import type { Settings } from '../config/read-settings.ts';
import { shortSecretProblem } from './check-secret.ts';
import { platformSecrets } from './platform-secrets.ts';

export interface MaskedSecretsOptions {
  settings: Settings;
  env: NodeJS.ProcessEnv;
  /** The running config (it may be reloaded; each call reads it again). */
  config: () => LoadedConfig;
}

/**
 * Checks at start that every secret voxoz knows (its own tokens, and the apps' secrets that
 * are set) is long enough to mask, throwing one ConfigError that names each short one, and
 * returns the values to mask in a job's log: read at each call, so a reloaded config counts.
 * Unset app secrets are not an error here; the deploy that needs one fails naming it.
 */
export function maskedSecrets({ settings, env, config }: MaskedSecretsOptions): () => string[] {
  const own = platformSecrets(settings);
  const current = config();
  const problems = [
    ...own.flatMap((s) => shortSecretProblem(s.name, s.value) ?? []).map((p) => `${p}; use a longer one`),
    ...current.apps.flatMap((app, i) =>
      app.secrets.flatMap((name, j) => {
        const problem = env[name] ? shortSecretProblem(`secret ${name}`, env[name]) : undefined;
        return problem ? [`apps[${i}].secrets[${j}]: ${problem}; give ${name} a longer value`] : [];
      }),
    ),
  ];
  if (problems.length > 0) throw new ConfigError(current.file, problems);
  return () => [...own.map((s) => s.value), ...config().apps.flatMap((app) => app.secrets.flatMap((name) => env[name] ?? []))];
}
