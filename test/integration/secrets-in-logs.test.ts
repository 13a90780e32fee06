import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import type { LocalThread } from '../../adapters/local/local-chat.ts';
import { ConfigError } from '../../src/config/load-config.ts';
import { createDockerClient } from '../../src/drivers/docker/docker-client.ts';
import { createDockerDriver } from '../../src/drivers/docker/docker-driver.ts';
import { resolveSecrets } from '../../src/observability/resolve-secrets.ts';
import { startSpine, type Spine } from '../support/spine-harness.ts';
import { startTestVoxoz } from '../support/start-voxoz.ts';

/** The spine harness masks `hunter22` as a configured secret. */
const SECRET = 'hunter22';
const TOKEN = 'ghp_tok3nInTheGitUrl42';
const docker = createDockerClient(inject('dockerHost'));
const instance = `t${randomUUID().slice(0, 8)}`;
const scratch = mkdtempSync(join(tmpdir(), 'vxsec-'));
let gitServer: Server;
let gitPort = 0;
let spine: Spine | undefined;

beforeAll(async () => {
  // A git host that knows no repository: the clone fails after git has sent the URL.
  gitServer = createServer((_req, res) => {
    res.statusCode = 404;
    res.end('not found');
  }).listen(0, '127.0.0.1');
  await once(gitServer, 'listening');
  gitPort = (gitServer.address() as AddressInfo).port;
});
afterEach(async () => {
  await spine?.close();
  spine = undefined;
});
afterAll(async () => {
  gitServer.close();
  for (const i of await docker.listImages({ filters: { label: [`voxoz.instance=${instance}`] } }))
    await docker
      .getImage(i.Id)
      .remove({ force: true })
      .catch(() => undefined);
  rmSync(scratch, { recursive: true, force: true });
});

/** Everything a user or an operator could read about a job: the thread, the uploaded file and the raw Redis stream. */
async function everything(thread: LocalThread, job: string): Promise<string> {
  const raw = await spine!.redis.xrange(spine!.keys.events(job), '-', '+');
  return [JSON.stringify(thread.messages), JSON.stringify(raw)].join('\n');
}

async function deploy(apps: unknown[], secretEnv: NodeJS.ProcessEnv = {}): Promise<{ ended: LocalThread; all: string }> {
  const driver = createDockerDriver({
    docker,
    instance,
    workDir: join(scratch, 'builds'),
    secretValues: (names) => resolveSecrets(names, secretEnv),
  });
  spine = await startSpine({ docker: driver }, { apps, worker: { attempts: 1 } });
  await spine.startWorkers();
  spine.startRelay();
  const { thread, job } = await spine.say('alice', `deploy ${(apps[0] as { name: string }).name}`);
  const ended = await spine.waitForEnd(thread, 60_000);
  return { ended, all: await everything(ended, job!) };
}

describe('no credential reaches the thread, the log file or Redis', () => {
  it('a git URL with a token: the logged command line and the error show the URL without it', async () => {
    const { ended, all } = await deploy([
      { name: 'private', source: { git: `http://x-access-token:${TOKEN}@127.0.0.1:${gitPort}/acme/app.git` }, port: 18_500 },
    ]);
    expect(ended.outcome).toBe('failed');
    expect(ended.messages[1]!.reply!.text).toBe(
      `git could not clone http://127.0.0.1:${gitPort}/acme/app.git (exit status 128); check the URL and that voxoz can read it`,
    );
    expect(all).toMatch(new RegExp(`clone --no-checkout -- http://127\\.0\\.0\\.1:${gitPort}/acme/app\\.git \\.`));
    expect(ended.messages.some((m) => m.kind === 'file')).toBe(true);
    expect(all).not.toContain(TOKEN);
  });

  it('a build that prints a secret base64-encoded, split by colour codes, across two output chunks and JSON-escaped', async () => {
    const dir = join(scratch, 'leaky');
    const b64 = Buffer.from(`x${SECRET}`).toString('base64');
    mkdirSync(dir);
    writeFileSync(
      join(dir, 'Dockerfile'),
      [
        'FROM busybox',
        `RUN echo "b64: ${b64}" && printf 'ansi: hun\\033[31mter22\\033[0m\\n' && printf 'split: hunt' && sleep 1 && printf 'er22\\n' && echo '{"json":"${SECRET}"}' && echo plain ${SECRET} && exit 3`,
      ].join('\n'),
    );
    const { ended, all } = await deploy([{ name: 'leaky', source: { path: dir }, port: 18_510 }]);
    expect(ended.outcome).toBe('failed');
    const file = ended.messages.find((m) => m.kind === 'file')!.file!.content;
    expect(file).toMatch(/b64: \S*••••/);
    expect(file).toContain('ansi: ••••');
    expect(file).toContain('split: ••••');
    expect(file).toContain('{"json":"••••"}');
    expect(file).toContain('plain ••••');
    // The Dockerfile's own text (echoed in "Step 2/2") holds the pieces; the output lines must not.
    expect(file).not.toMatch(/Z (split: hunt|ansi: hun)/);
    for (const form of [SECRET, b64.slice(2, -2), '\\u001b']) expect(all).not.toContain(form);
  });

  it('an unset secret fails the deploy before anything is built, naming the variable', async () => {
    const { ended, all } = await deploy([
      { name: 'needs', source: { path: join(scratch, 'leaky') }, port: 18_520, secrets: ['NEEDS_API_TOKEN'] },
    ]);
    expect(ended.outcome).toBe('failed');
    expect(ended.messages[1]!.reply!.text).toBe(
      "secret NEEDS_API_TOKEN is not set in voxoz's environment; set it where voxoz (and its workers) run, or remove it from the app's secrets in voxoz.yml",
    );
    expect(all).not.toContain('Step 1/');
  });
});

describe('voxoz start', () => {
  it('refuses a secret too short to mask, naming it', async () => {
    const yaml = `apps:\n  - name: web\n    source: { path: ${scratch} }\n    port: APP_PORT\n    secrets: [WEB_PIN]\n`;
    const started = startTestVoxoz({ yaml, env: { WEB_PIN: '12345' } });
    await expect(started).rejects.toBeInstanceOf(ConfigError);
    await expect(started).rejects.toMatchObject({
      problems: [
        'apps[0].secrets[0]: secret WEB_PIN is 5 characters; secrets shorter than 8 cannot be masked safely; give WEB_PIN a longer value',
      ],
    });
  });
});
