import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { redisKeys } from '../../src/store/keys.ts';
import { findFreePort } from '../../src/services/free-port.ts';
import { BIN, ROOT, sayTo, spawnVoxoz, type SpawnedVoxoz } from '../support/spawn-voxoz.ts';
import { HELLO_APP_DIR } from '../support/start-voxoz.ts';
import { stopLeftCaddy } from '../support/stop-left-caddy.ts';

// voxoz as a user runs it: commands through `voxoz say`, the bot killed with SIGKILL, then
// `voxoz audit verify` / `export` on the command line, and tampering done straight in Redis.
const dir = mkdtempSync(join(tmpdir(), 'vxa-'));
const queue = `e2e-${randomUUID().slice(0, 8)}`;
const keys = redisKeys(queue);
let bot: SpawnedVoxoz | undefined;
const redis = new Redis(inject('redisUrl'));
afterAll(async () => {
  await bot?.stop('SIGKILL');
  await stopLeftCaddy(join(dir, 'data'));
  await redis.quit();
  rmSync(dir, { recursive: true, force: true });
});

const env = (port: number): NodeJS.ProcessEnv => ({
  ...process.env,
  REDIS_URL: inject('redisUrl'),
  DOCKER_HOST: inject('dockerHost'),
  PORT: String(port),
  VOXOZ_CONFIG: join(dir, 'voxoz.yml'),
  VOXOZ_DATA_DIR: join(dir, 'data'),
  VOXOZ_QUEUE: queue,
});
const cli = (port: number, ...args: string[]) =>
  new Promise<{ code: number; out: string }>((done) => {
    execFile('node', [BIN, ...args], { cwd: ROOT, env: env(port), timeout: 60_000 }, (err, stdout, stderr) =>
      done({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
    );
  });

describe('the audit trail, end to end', () => {
  it('keeps every command and refusal through a kill -9 of the bot, and verify catches a changed record and a cut tail', async () => {
    const [port, appPort] = [await findFreePort(), await findFreePort()];
    writeFileSync(
      join(dir, 'voxoz.yml'),
      [
        'people: { ann: { local: ann } }',
        'access: { grants: [{ to: [ann], role: deployer }] }',
        'apps:',
        `  - { name: hello, source: { path: ${HELLO_APP_DIR} }, port: ${appPort} }`,
        '',
      ].join('\n'),
    );
    bot = await spawnVoxoz('start', env(port), 'voxoz is running');
    const say = (user: string, ...words: string[]) => sayTo(port, join(dir, 'data'), user, words);
    expect((await say('ann', 'lock', 'hello', 'audit', 'test')).code).toBe(0);
    expect((await say('eve', 'unlock', 'hello')).out).toContain('you need deployer on hello/production');
    await say('eve', 'status', 'hello');
    // Killed while a command is on its way.
    const inFlight = say('ann', 'releases', 'hello');
    await bot.stop('SIGKILL');
    await inFlight;

    const verify = await cli(port, 'audit', 'verify');
    expect(verify.out).toMatch(/^audit trail OK: \d+ records, each MAC and link verified, and it reaches record \d+ written here/);
    expect(verify.code).toBe(0);
    const records = (await cli(port, 'audit', 'export')).out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          seq: 1,
          type: 'command',
          actor: 'local:ann',
          person: 'ann',
          where: 'local:local',
          what: 'lock hello audit test',
          app: 'hello',
        }),
        expect.objectContaining({
          type: 'refused',
          actor: 'local:eve',
          what: 'unlock hello',
          result: expect.stringContaining('you need deployer on hello/production'),
        }),
        expect.objectContaining({ actor: 'local:eve', what: 'status hello', result: expect.stringMatching(/^queued as job /) }),
        expect.objectContaining({
          actor: 'local:eve',
          type: 'job-finished',
          what: 'status hello',
          result: expect.stringMatching(/^succeeded: /),
        }),
      ]),
    );

    // A command on one environment names it; `status hello` shows every environment, so it names none.
    expect(records.filter((r) => r.what === 'lock hello audit test').map((r) => r.env)).toContain('production');
    expect(records.filter((r) => r.what === 'status hello').map((r) => r.env ?? 'none')).toEqual(['none', 'none', 'none']);

    const first = JSON.parse((await redis.lindex(keys.auditLog, 0))!) as Record<string, unknown>;
    await redis.lset(keys.auditLog, 0, JSON.stringify({ ...first, actor: 'local:mallory' }));
    const changed = await cli(port, 'audit', 'verify');
    expect(changed.code).toBe(1);
    expect(changed.out).toContain('record 1 was changed: its MAC does not match its content');
    await redis.lset(keys.auditLog, 0, JSON.stringify(first));
    await redis.rpop(keys.auditLog);
    const cut = await cli(port, 'audit', 'verify');
    expect(cut.code).toBe(1);
    expect(cut.out).toMatch(/the trail ends at record \d+ but record \d+ was written: its tail was cut/);
  });
});
