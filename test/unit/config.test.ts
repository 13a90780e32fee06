import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, validateConfig } from '../../src/config/load-config.ts';
import { readSettings, SettingsError } from '../../src/config/read-settings.ts';

const fixture = (name: string) => resolve(import.meta.dirname, '../fixtures/config', name);

function problemsOf(file: string): string[] {
  try {
    loadConfig(file);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error(`${file} loaded without problems`);
}

describe('loadConfig', () => {
  it('loads a good file with every default filled in and frozen', () => {
    const config = loadConfig(fixture('good.yml'));
    const [hello, web] = config.apps;
    expect(hello).toMatchObject({
      name: 'hello',
      runtime: 'docker',
      replicas: 1,
      dockerfile: 'Dockerfile',
      health: { path: '/', timeoutSeconds: 30 },
    });
    expect(hello!.source).toEqual({ path: resolve(import.meta.dirname, '../../examples/hello') });
    expect(web!.source).toEqual({ git: 'https://git.example.org/acme/web.git', ref: 'main' });
    expect(config.worker).toEqual({
      concurrency: 2,
      attempts: 3,
      inProcess: true,
      logLimit: { bytes: 16 * 1024 * 1024, lines: 200_000, tailLines: 500 },
      maxQueuedPerUser: 20,
      stalledSeconds: 30,
      reachCheckSeconds: 30,
    });
    expect(hello!.build).toEqual({ timeoutSeconds: 1800, cloneTimeoutSeconds: 300 });
    expect(Object.isFrozen(config.apps[0])).toBe(true);
  });

  it('says where a missing file should come from', () => {
    expect(problemsOf(fixture('nope.yml'))).toEqual([expect.stringContaining('file not found; copy voxoz.example.yml')]);
  });

  it('reports YAML syntax errors with line and column', () => {
    const problems = problemsOf(fixture('malformed.yml'));
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]).toMatch(/^line \d+, column \d+: /);
  });

  it('lists missing required fields with their paths', () => {
    const problems = problemsOf(fixture('missing.yml'));
    expect(problems.some((p) => p.startsWith('apps[0].port: is required'))).toBe(true);
    expect(problems.some((p) => p.startsWith('apps[0].source: must be either { path: ./dir } or { git: <url>'))).toBe(true);
  });

  it('reports every problem of an evil file at once, each with its path and a fix', () => {
    const problems = problemsOf(fixture('evil.yml'));
    const expected = [
      /^apps\[0\]\.name: must be lowercase letters, digits and dashes.*got "hello;rm -rf \/"/,
      /^apps\[0\]\.source\.git: must be a git URL .*got "--upload-pack=touch \/tmp\/pwned"/,
      /^apps\[0\]\.port: must be 1024\.\.65000, got 80$/,
      /^apps\[0\]\.replicas: must be 1\.\.100, got 0$/,
      /^apps\[0\]\.dockerfile: must be a relative path inside the source/,
      /^apps\[0\]\.env\.BAD NAME: environment names are letters, digits and _/,
      /^apps\[0\]\.env\.GOOD: environment values must be strings/,
      /^apps\[0\]\.health\.path: must start with "\/"/,
      /^apps\[0\]\.health\.timeoutSeconds: must be 1\.\.600, got 100000$/,
      /^apps\[0\]\.surprise: unknown key; remove it or check its spelling$/,
      /^apps\[2\]\.name: "ok" is already used by apps\[1\]/,
      /^worker\.concurrency: must be 1\.\.64, got 0$/,
      /^unknownTop: unknown key/,
    ];
    for (const pattern of expected)
      expect(problems, `expected a problem matching ${pattern}\n${problems.join('\n')}`).toEqual(
        expect.arrayContaining([expect.stringMatching(pattern)]),
      );
  });

  it('gives every app an environment, and refuses environments that would share ports', () => {
    expect(loadConfig(fixture('good.yml')).apps[0]!.environments).toEqual({ production: {} });
    const problems = (() => {
      try {
        validateConfig(
          {
            apps: [
              { name: 'a', source: { path: '.' }, port: 8000, replicas: 3, environments: { production: {}, staging: { port: 8002 } } },
              { name: 'b', source: { path: '.' }, port: 8010, environments: { Prod: {} } },
            ],
          },
          '/x/voxoz.yml',
        );
      } catch (err) {
        return (err as ConfigError).problems;
      }
      return [];
    })();
    expect(problems).toEqual(
      expect.arrayContaining([
        'apps[0].environments.staging: ports 8002..8004 of a (staging) overlap a (production) on 8000..8002; give it its own "port" (replicas share the host\'s network)',
        expect.stringMatching(/^apps\[1\]\.environments\.Prod: environment names are lowercase/),
      ]),
    );
  });

  it('names the key a misspelt one is near, at any depth, and only when one is near', () => {
    const problems = problemsOfRaw({
      apps: [
        {
          name: 'a',
          source: { git: 'https://git.example.org/a.git', brach: 'x' },
          port: 8000,
          replica: 2,
          health: { timeout: 3 },
          environments: { staging: { replica: 1 } },
        },
      ],
      worker: { concurency: 2 },
      acess: {},
    });
    expect(problems.sort()).toEqual([
      'acess: unknown key; did you mean "access"?',
      'apps[0].environments.staging.replica: unknown key; did you mean "replicas"?',
      'apps[0].health.timeout: unknown key; did you mean "timeoutSeconds"?',
      'apps[0].replica: unknown key; did you mean "replicas"?',
      'apps[0].source.brach: unknown key; remove it or check its spelling',
      'worker.concurency: unknown key; did you mean "concurrency"?',
    ]);
  });

  it('never treats an option-like git URL as valid', () => {
    const problems = problemsOf(fixture('evil.yml'));
    expect(problems.join('\n')).not.toMatch(/apps\[0\]\.source\.git: .*valid/);
  });
});

/** The problems validateConfig reports for raw (already parsed) config. */
function problemsOfRaw(raw: unknown): string[] {
  try {
    validateConfig(raw, '/x/voxoz.yml');
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}
const app = (overrides: Record<string, unknown>) => ({ name: 'hello', source: { path: '.' }, port: 8000, ...overrides });

describe('config errors that used to surface only at deploy time', () => {
  it.each([['/a b'], ['/a\u0001b'], ['//evil.example/x'], ['/a#frag'], ['/\u00e9t\u00e9']])(
    'refuses health.path %j with its path and a fix',
    (path) => {
      expect(problemsOfRaw({ apps: [app({ health: { path } })] })).toEqual([
        expect.stringMatching(
          /^apps\[0\]\.health\.path: must be a URL path like \/healthz: no spaces or control characters \(percent-encode them, e\.g\. %20\) and no leading "\/\/", got /,
        ),
      ]);
    },
  );

  it.each([['/'], ['/healthz'], ['/a%20b'], ['/status?full=1&x=%2F'], ["/v1/~user/a-b_c.d!$&'()*+,;=:@"]])(
    'accepts health.path %j',
    (path) => {
      expect(problemsOfRaw({ apps: [app({ health: { path } })] })).toEqual([]);
    },
  );

  it.each([['1k'], ['0m'], ['5m'], ['6143k'], ['0g']])('refuses resources.memory %j (Docker needs at least 6 MiB)', (memory) => {
    expect(problemsOfRaw({ apps: [app({ resources: { memory } })] })).toEqual([
      `apps[0].resources.memory: must be at least "6m" (Docker refuses less), got "${memory}"`,
    ]);
  });

  it.each([['6m'], ['6144k'], ['64M'], ['1g']])('accepts resources.memory %j', (memory) => {
    expect(problemsOfRaw({ apps: [app({ resources: { memory } })] })).toEqual([]);
  });

  it('refuses a secret whose value is also written under env, and accepts a secret that is not', () => {
    expect(problemsOfRaw({ apps: [app({ env: { API_TOKEN: 'in-the-file', MODE: 'x' }, secrets: ['DB_PASS', 'API_TOKEN'] })] })).toEqual([
      "apps[0].secrets[1]: API_TOKEN is also under env, with its value written in voxoz.yml; a secret's value comes from voxoz's environment (e.g. /etc/voxoz/voxoz.env), never from voxoz.yml: remove it from env",
    ]);
    expect(problemsOfRaw({ apps: [app({ env: { MODE: 'x' }, secrets: ['API_TOKEN'] })] })).toEqual([]);
  });

  it("refuses a secret written under an environment's own env, naming where", () => {
    expect(
      problemsOfRaw({
        apps: [app({ secrets: ['API_TOKEN'], environments: { production: {}, staging: { port: 8001, env: { API_TOKEN: 'x' } } } })],
      }),
    ).toEqual([
      "apps[0].secrets[0]: API_TOKEN is also under environments.staging.env, with its value written in voxoz.yml; a secret's value comes from voxoz's environment (e.g. /etc/voxoz/voxoz.env), never from voxoz.yml: remove it from environments.staging.env",
    ]);
  });

  it("refuses an environment's own replicas and env that are out of range or not strings, with their paths", () => {
    expect(
      problemsOfRaw({
        apps: [
          app({ environments: { production: { replicas: 0 }, staging: { port: 8001, replicas: 101, env: { MODE: 3, 'BAD NAME': 'x' } } } }),
        ],
      }),
    ).toEqual([
      'apps[0].environments.production.replicas: must be 1..100, got 0',
      'apps[0].environments.staging.replicas: must be 1..100, got 101',
      'apps[0].environments.staging.env.MODE: environment values must be strings (quote numbers)',
      'apps[0].environments.staging.env.BAD NAME: environment names are letters, digits and _',
    ]);
  });

  it("checks an environment's ports against its own replicas, not the app's", () => {
    expect(
      problemsOfRaw({ apps: [app({ port: 8000, replicas: 1, environments: { production: { replicas: 3 }, staging: { port: 8002 } } })] }),
    ).toEqual([
      'apps[0].environments.staging: ports 8002..8002 of hello (staging) overlap hello (production) on 8000..8002; give it its own "port" (replicas share the host\'s network)',
    ]);
  });

  it('refuses two app/environment pairs whose containers would share names, listed with the other problems', () => {
    const problems = problemsOfRaw({
      apps: [
        app({ name: 'shop', port: 8000, environments: { 'eu-prod': {} } }),
        app({ name: 'shop-eu', port: 8100, environments: { prod: {} }, replicas: 0 }),
      ],
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        'apps[1].replicas: must be 1..100, got 0',
        'apps[1].environments.prod: containers of shop-eu (prod) would get the same names as those of shop (eu-prod) in apps[0] ("…-shop-eu-prod-v1-0"); rename one of the apps or environments',
      ]),
    );
    expect(problems).toHaveLength(2);
    expect(
      problemsOfRaw({
        apps: [app({ name: 'shop', environments: { 'eu-prod': {} } }), app({ name: 'shop-eu', port: 8100, environments: { staging: {} } })],
      }),
    ).toEqual([]);
  });

  it('shows a rejected git URL without its credentials', () => {
    const problems = problemsOfRaw({ apps: [app({ source: { git: 'https://ghp_tok3n@git.example.org/a b.git' } })] });
    expect(problems).toEqual([
      expect.stringMatching(/^apps\[0\]\.source\.git: must be a git URL .*got "https:\/\/git\.example\.org\/a b\.git"$/),
    ]);
  });

  it('bounds the log and build limits', () => {
    expect(
      problemsOfRaw({
        worker: { logLimit: { bytes: 10, lines: 5, tailLines: -1 } },
        apps: [app({ build: { timeoutSeconds: 0, cloneTimeoutSeconds: 7200 } })],
      }),
    ).toEqual(
      expect.arrayContaining([
        'worker.logLimit.bytes: must be 4096..1073741824, got 10',
        'worker.logLimit.lines: must be 100..10000000, got 5',
        'worker.logLimit.tailLines: must be 0..10000, got -1',
        'apps[0].build.timeoutSeconds: must be 1..86400, got 0',
        'apps[0].build.cloneTimeoutSeconds: must be 1..3600, got 7200',
      ]),
    );
  });
});

describe('readSettings', () => {
  it('uses documented defaults', () => {
    expect(readSettings({})).toMatchObject({
      configFile: './voxoz.yml',
      port: 3000,
      host: '127.0.0.1',
      dataDir: '.voxoz',
      queueName: 'voxoz',
      logLevel: 'info',
    });
  });
  it('checks token prefixes and lists every problem', () => {
    try {
      readSettings({ SLACK_BOT_TOKEN: 'xoxp-user', SLACK_APP_TOKEN: 'bad', PORT: 'abc', DISCORD_TOKEN: 't', DISCORD_APPLICATION_ID: 'x' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(SettingsError);
      const { problems } = err as SettingsError;
      expect(problems).toHaveLength(4);
      expect(problems.join('\n')).toMatch(/SLACK_BOT_TOKEN .*xoxb-/);
      expect(problems.join('\n')).toMatch(/SLACK_APP_TOKEN .*xapp-/);
      expect(problems.join('\n')).toMatch(/PORT must be 0\.\.65535/);
      expect(problems.join('\n')).toMatch(/DISCORD_APPLICATION_ID must be the numeric/);
    }
  });
  it('reads VOXOZ_DOCKER_ENGINE as local or remote, and refuses anything else', () => {
    expect(readSettings({ VOXOZ_DOCKER_ENGINE: 'remote' }).dockerEngine).toBe('remote');
    expect(readSettings({}).dockerEngine).toBeUndefined();
    expect(() => readSettings({ VOXOZ_DOCKER_ENGINE: 'far' })).toThrow(/VOXOZ_DOCKER_ENGINE must be "local" or "remote" .*got "far"/);
  });
  it('takes REDIS_URL as redis://, rediss://, a unix socket path or a Sentinel group', () => {
    for (const url of [
      'redis://127.0.0.1:6379',
      'rediss://:pw@redis.example.org:6380/1',
      '/run/redis/redis.sock',
      'redis+sentinel://:pw@127.0.0.1:26379,127.0.0.1:26380/mymaster/0',
    ])
      expect(readSettings({ REDIS_URL: url }).redisUrl).toBe(url);
  });
  it('refuses a bad REDIS_URL with every problem, each naming the fix, without quoting its password', () => {
    try {
      readSettings({ REDIS_URL: 'redis+sentinel://:hunter22@s1:0/' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(SettingsError);
      const { problems } = err as SettingsError;
      expect(problems).toEqual([
        'REDIS_URL has sentinel "s1:0" with port 0; a port is 1..65535 (sentinels listen on 26379 by default)',
        expect.stringMatching(/^REDIS_URL names no master: put the master name .* as in redis\+sentinel:\/\/\[:password@\]host1:26379,/),
      ]);
      expect(problems.join('\n')).not.toContain('hunter22');
    }
    expect(() => readSettings({ REDIS_URL: 'memcached://:hunter22@h:11211' })).toThrow(
      /REDIS_URL must be redis:\/\/host:6379, .*; got "memcached:\/\/h:11211"/,
    );
  });
});
