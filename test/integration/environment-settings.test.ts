import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { findFreePort } from '../../src/services/free-port.ts';
import { dockerTestbed, page } from '../support/docker-apps.ts';
import { startSpine, type Spine } from '../support/spine-harness.ts';
import { HELLO_APP_DIR } from '../support/start-voxoz.ts';

// An environment's own `replicas` and `env` in voxoz.yml, from chat to the real engine and the
// real front door: each environment runs its own count with its own variables, and everything
// that reads the count (deploy, promote, a deploy after `scale 0`, status, summaries) reads that
// environment's.
const bed = dockerTestbed();
let spine: Spine | undefined;
afterEach(async () => {
  await spine?.close();
  spine = undefined;
});
afterAll(() => bed.cleanup());

const containersOf = async (app: string, env: string) =>
  bed.docker.listContainers({ filters: { label: [`voxoz.instance=${bed.instance}`, `voxoz.app=${app}`, `voxoz.env=${env}`] } });

describe("an environment's own replicas and env", () => {
  it('runs each environment with its own count and variables, through deploy, promote, scale 0 and status', async () => {
    const name = `es${randomUUID().slice(0, 6)}`;
    const [prodPort, stagingPort] = [await findFreePort(), await findFreePort()];
    // Run-unique greetings: a page can only show one by getting that environment's variables.
    const [appGreeting, prodGreeting] = [`app-${randomUUID().slice(0, 8)}`, `prod-${randomUUID().slice(0, 8)}`];
    const app = {
      name,
      source: { path: HELLO_APP_DIR },
      port: prodPort,
      replicas: 1,
      env: { GREETING: appGreeting },
      environments: { production: { replicas: 2, env: { GREETING: prodGreeting } }, staging: { port: stagingPort } },
      health: { timeoutSeconds: 10 },
      drainSeconds: 1,
    };
    const morning = { name: 'morning', cron: '0 9 * * *', timezone: 'UTC', target: { platform: 'local', channel: 'ops' } };
    spine = await startSpine({ docker: bed.driver }, { apps: [app], schedules: [morning] });
    await spine.startWorkers();
    spine.startRelay();
    const s = spine;
    const end = (text: string) => s.outcome(text);

    // Staging sets neither: the app's one replica and the app's variables.
    expect((await end(`deploy ${name} --env staging`)).title).toBe(`${name} v1 live (1/1 healthy)`);
    expect(await page(stagingPort)).toContain(appGreeting);
    expect(await containersOf(name, 'staging')).toHaveLength(1);

    // Production: its two replicas and its GREETING over the app's, also for an image promoted from staging.
    const plan = await end(`promote ${name} staging production --dry-run`);
    expect(plan.fields).toContainEqual({ label: 'start', value: '2 replicas beside the running ones, health-gated' });
    expect((await end(`promote ${name} staging production`)).title).toBe(
      `${name} v1 live in production: promoted from staging v1 (2/2 healthy)`,
    );
    const prod = await containersOf(name, 'production');
    expect(prod).toHaveLength(2);
    for (const c of prod) {
      const env = (await bed.docker.getContainer(c.Id).inspect()).Config.Env;
      expect(env).toContain(`GREETING=${prodGreeting}`);
      expect(env).not.toContain(`GREETING=${appGreeting}`);
    }
    expect(await page(prodPort)).toContain(prodGreeting);
    expect(await page(stagingPort)).toContain(appGreeting);
    expect((await end(`status ${name}`)).fields).toEqual(
      expect.arrayContaining([
        { label: `${name} (production) replicas`, value: 'desired 2, running 2' },
        { label: `${name} (staging) replicas`, value: 'desired 1, running 1' },
      ]),
    );
    // The summary counts each environment against its own count.
    const summary = (await end('schedule run morning')).text!.split('\n');
    expect(summary).toContainEqual(expect.stringMatching(new RegExp(`^${name} \\(production\\): v1 live \\d+[sm]; 2/2 healthy;`)));
    expect(summary).toContainEqual(expect.stringMatching(new RegExp(`^${name} \\(staging\\): v1 live \\d+[sm]; 1/1 healthy;`)));

    // After `scale 0`, a deploy starts the environment's count again, and that is the desired count again.
    expect((await end(`scale ${name} 0`)).title).toBe(`${name} scaled to 0: it no longer serves (production)`);
    expect((await end(`deploy ${name}`)).title).toBe(`${name} v2 live (2/2 healthy)`);
    expect(await page(prodPort)).toContain(prodGreeting);
    expect((await end(`status ${name} --env production`)).fields).toContainEqual({
      label: `${name} replicas`,
      value: 'desired 2, running 2',
    });
    expect(await containersOf(name, 'staging')).toHaveLength(1);
  });
});
