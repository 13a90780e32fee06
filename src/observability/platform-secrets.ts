import type { Settings } from '../config/read-settings.ts';
import { parseRedisUrl } from '../store/redis-url.ts';

export interface NamedSecret {
  /** How an error names it, e.g. `SLACK_BOT_TOKEN` or `the password in REDIS_URL`. */
  name: string;
  value: string;
}

/**
 * voxoz's own credentials, masked in every job log like the apps' secrets: the Slack and
 * Discord tokens and signing secret, and the passwords in DOCKER_HOST and REDIS_URL (a
 * userinfo password, URL-decoded; in a redis+sentinel:// URL also the sentinels' own
 * `sentinelPassword`). DISCORD_PUBLIC_KEY is public and is not listed.
 */
export function platformSecrets(settings: Settings): NamedSecret[] {
  const out: NamedSecret[] = [];
  const add = (name: string, value: string | undefined) => {
    if (value) out.push({ name, value });
  };
  add('SLACK_BOT_TOKEN', settings.slack?.botToken);
  add('SLACK_APP_TOKEN', settings.slack?.appToken);
  add('SLACK_SIGNING_SECRET', settings.slack?.signingSecret);
  add('DISCORD_TOKEN', settings.discord?.token);
  add('the password in DOCKER_HOST', urlPassword(settings.dockerHost));
  const redis = settings.redisUrl ? parseRedisUrl(settings.redisUrl) : undefined;
  if (redis?.ok) for (const secret of redis.target.secrets) add(`${secret.name} in REDIS_URL`, secret.value);
  return out;
}

function urlPassword(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const password = new URL(url).password;
    return password ? decodeURIComponent(password) : undefined;
  } catch {
    return undefined;
  }
}
