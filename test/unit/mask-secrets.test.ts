import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/load-config.ts';
import { ConfigError } from '../../src/config/load-config.ts';
import { readSettings } from '../../src/config/read-settings.ts';
import { isUserError } from '../../src/core/user-error.ts';
import { displayUrl, redactUrls } from '../../src/observability/display-url.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createMasker } from '../../src/observability/mask-secrets.ts';
import { maskedSecrets } from '../../src/observability/masked-secrets.ts';
import { platformSecrets } from '../../src/observability/platform-secrets.ts';
import { resolveSecrets } from '../../src/observability/resolve-secrets.ts';

const SECRET = 'ghp_Zx9!q/w+e"r\\t';
const mask = createMasker([SECRET]);
const leaks = (text: string, secret = SECRET) => text.includes(secret);

describe('displayUrl / redactUrls', () => {
  it('drops the userinfo of a URL and keeps the rest as written', () => {
    expect(displayUrl('https://ghp_abc123def@git.example.org/acme/app.git')).toBe('https://git.example.org/acme/app.git');
    expect(displayUrl('https://deploy:p@ss@git.example.org:8443/a.git?x=1')).toBe('https://git.example.org:8443/a.git?x=1');
    expect(displayUrl('git@github.com:acme/app.git')).toBe('git@github.com:acme/app.git');
    expect(displayUrl('/srv/git/app')).toBe('/srv/git/app');
  });
  it('finds URLs inside text without eating neighbouring JSON or mail addresses', () => {
    expect(redactUrls('>>> git clone -- https://x-token:ghp_abc@host/a.git .')).toBe('>>> git clone -- https://host/a.git .');
    expect(redactUrls('{"url":"https://host","by":"a@b.c"}')).toBe('{"url":"https://host","by":"a@b.c"}');
    expect(redactUrls("fatal: unable to access 'https://tok3n@host/a.git/'")).toBe("fatal: unable to access 'https://host/a.git/'");
    expect(redactUrls('see https://example.org/a:b@c')).toBe('see https://example.org/a:b@c');
  });
});

describe("voxoz's own log", () => {
  it('never carries the userinfo of a URL, in the message or in an error field', () => {
    const lines: string[] = [];
    createLogger('info', {}, (l) => lines.push(l)).error('job failed', {
      err: new Error('git could not clone https://x:ghp_leak123@h/a.git'),
    });
    expect(JSON.parse(lines[0]!).err.message).toBe('git could not clone https://h/a.git');
    expect(lines[0]).not.toContain('ghp_leak123');
  });
});

describe('createMasker', () => {
  it('masks every occurrence of every secret, longest first, as text not patterns', () => {
    expect(createMasker(['s3cr3t-token', 's3cr3t-t', 'a.b*c+d?e'])('token=s3cr3t-token and s3cr3t-t; a.b*c+d?e axbbbcdxe')).toBe(
      'token=•••• and ••••; •••• axbbbcdxe',
    );
    expect(createMasker([])('anything')).toBe('anything');
  });

  it('skips values shorter than 8 characters (they are refused as config errors instead)', () => {
    expect(createMasker(['abc1234'])('abc1234 stays')).toBe('abc1234 stays');
  });

  it('masks the secret base64-encoded at each of the three alignments, standard and URL-safe', () => {
    for (const prefix of ['', 'a', 'ab', 'abc', 'abcd']) {
      for (const suffix of ['', 'z', 'zz']) {
        const encoded = Buffer.from(`${prefix}${SECRET}${suffix}`).toString('base64');
        for (const text of [encoded, encoded.replaceAll('+', '-').replaceAll('/', '_')]) {
          const masked = mask(`Authorization: Basic ${text}`);
          expect(masked, text).toContain('••••');
          const rest = masked
            .split('••••')
            .map((part) => Buffer.from(part.replace('Authorization: Basic ', ''), 'base64').toString('latin1'));
          expect(
            rest.some((r) => r.includes(SECRET.slice(2, -2))),
            text,
          ).toBe(false);
        }
      }
    }
  });

  it('masks the secret URL-encoded (upper or lower hex, + for spaces) and JSON-escaped', () => {
    const spaced = 'pass word/with&odd=chars';
    const m = createMasker([spaced, SECRET]);
    const url = encodeURIComponent(spaced);
    for (const text of [url, url.replace(/%[0-9A-F]{2}/g, (x) => x.toLowerCase()), url.replaceAll('%20', '+')])
      expect(m(`GET /?t=${text} HTTP/1.1`)).toBe('GET /?t=•••• HTTP/1.1');
    expect(m(JSON.stringify({ token: SECRET }))).toBe('{"token":"••••"}');
    expect(m(JSON.stringify({ token: SECRET }).replaceAll('/', '\\/'))).toBe('{"token":"••••"}');
    expect(m(`x=${encodeURIComponent(SECRET)}`)).toBe('x=••••');
  });

  it('masks a secret split by ANSI colour codes (the codes are dropped)', () => {
    expect(mask(`token \u001b[1;31m${SECRET.slice(0, 5)}\u001b[0m${SECRET.slice(5)}\u001b[K done`)).toBe('token •••• done');
  });

  it('masks every line of a multi-line secret (a PEM key), including its short last line', () => {
    const pem = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const m = createMasker([pem]);
    const body = pem.trim().split('\n').slice(1, -1);
    const logged = pem
      .trim()
      .split('\n')
      .map((line) => m(`  ${line}`));
    expect(
      logged.every((line) => line.trim() === '••••'),
      logged.join('\n'),
    ).toBe(true);
    for (const line of body) expect(logged.join('\n')).not.toContain(line);
    expect(m(JSON.stringify({ key: pem }))).toBe('{"key":"••••"}');
  });

  it('drops credentials in URLs even when undeclared', () => {
    expect(createMasker([])('>>> git clone -- https://deploy:ghp_abc123@git.example.org/a.git .')).toBe(
      '>>> git clone -- https://git.example.org/a.git .',
    );
    expect(leaks(mask(`fatal: 'https://${SECRET}@h/a'`))).toBe(false);
  });
});

describe('which secrets are masked, and which are refused', () => {
  const env = {
    SLACK_BOT_TOKEN: 'xoxb-1-2-abcdefgh',
    SLACK_SIGNING_SECRET: 'signing-secret-1234',
    SLACK_APP_TOKEN: 'xapp-1-A-abcdef',
    DISCORD_TOKEN: 'discord.token.value',
    DISCORD_APPLICATION_ID: '123456789012345678',
    DISCORD_PUBLIC_KEY: 'ab'.repeat(32),
    REDIS_URL: 'redis://:redis%2Fpassw0rd@127.0.0.1:6379',
    DOCKER_HOST: 'tcp://ops:engine-pass-9@127.0.0.1:2376',
  };

  it("lists voxoz's own tokens and the passwords in its URLs, not the public key", () => {
    expect(platformSecrets(readSettings(env))).toEqual([
      { name: 'SLACK_BOT_TOKEN', value: 'xoxb-1-2-abcdefgh' },
      { name: 'SLACK_APP_TOKEN', value: 'xapp-1-A-abcdef' },
      { name: 'SLACK_SIGNING_SECRET', value: 'signing-secret-1234' },
      { name: 'DISCORD_TOKEN', value: 'discord.token.value' },
      { name: 'the password in DOCKER_HOST', value: 'engine-pass-9' },
      { name: 'the password in REDIS_URL', value: 'redis/passw0rd' },
    ]);
  });

  it('lists the master and sentinel passwords of a redis+sentinel:// REDIS_URL', () => {
    const settings = readSettings({ REDIS_URL: 'redis+sentinel://:master%2Fpass-1@s1:26379,s2/mymaster?sentinelPassword=sentinel-pass-2' });
    expect(platformSecrets(settings)).toEqual([
      { name: 'the password in REDIS_URL', value: 'master/pass-1' },
      { name: 'the sentinel password in REDIS_URL', value: 'sentinel-pass-2' },
    ]);
  });

  it("masks those and the apps' secrets that are set; refuses short ones at start, naming each", () => {
    const config = validateConfig(
      { apps: [{ name: 'web', source: { path: '.' }, port: 9000, secrets: ['API_KEY', 'UNSET_ONE'] }] },
      '/x/voxoz.yml',
    );
    const secrets = maskedSecrets({ settings: readSettings(env), env: { ...env, API_KEY: 'api-key-123456' }, config: () => config });
    expect(secrets()).toEqual(
      expect.arrayContaining([
        'xoxb-1-2-abcdefgh',
        'signing-secret-1234',
        'discord.token.value',
        'engine-pass-9',
        'redis/passw0rd',
        'api-key-123456',
      ]),
    );
    expect(secrets()).not.toContain('ab'.repeat(32));
    let problems: string[] = [];
    try {
      maskedSecrets({
        settings: readSettings({ ...env, REDIS_URL: 'redis://:pw@127.0.0.1:6379' }),
        env: { API_KEY: 'FOO12' },
        config: () => config,
      });
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      problems = (err as ConfigError).problems;
    }
    expect(problems).toEqual([
      'the password in REDIS_URL is 2 characters; secrets shorter than 8 cannot be masked safely; use a longer one',
      'apps[0].secrets[0]: secret API_KEY is 5 characters; secrets shorter than 8 cannot be masked safely; give API_KEY a longer value',
    ]);
  });

  it('fails a deploy whose secret is unset or short with a UserError naming the variable', () => {
    expect(resolveSecrets(['A_TOKEN'], { A_TOKEN: 'long-enough' })).toEqual({ A_TOKEN: 'long-enough' });
    const failure = (() => {
      try {
        resolveSecrets(['A_TOKEN', 'MISSING', 'FOO'], { A_TOKEN: 'long-enough', FOO: 'abcde' });
      } catch (err) {
        return err;
      }
    })();
    expect(isUserError(failure) && failure.code).toBe('secret_unset');
    expect((failure as Error).message).toBe(
      "secret MISSING is not set in voxoz's environment; set it where voxoz (and its workers) run, or remove it from the app's secrets in voxoz.yml; secret FOO is 5 characters; secrets shorter than 8 cannot be masked safely",
    );
  });
});
