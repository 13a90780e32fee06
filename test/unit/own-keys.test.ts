import { describe, expect, it } from 'vitest';
import { commands } from '../../commands/index.ts';
import { validateConfig } from '../../src/config/load-config.ts';
import { environmentPort, hasEnvironment } from '../../src/config/app-environment.ts';
import type { JobData } from '../../src/core/types.ts';
import { createRegistry } from '../../src/dispatch/command-registry.ts';
import { createDispatcher } from '../../src/dispatch/dispatcher.ts';
import { requesterPolicy } from '../../src/dispatch/policy.ts';
import type { JobQueue } from '../../src/jobs/job-queue.ts';
import { checkEnvironment } from '../../src/jobs/processors/processor.ts';
import { silentLogger } from '../../src/observability/logger.ts';

const config = validateConfig(
  { apps: [{ name: 'hello', source: { path: '.' }, port: 8080, environments: { production: {}, staging: { port: 8090 } } }] },
  '/tmp/voxoz.yml',
);
const app = config.apps[0]!;
const PROTOTYPE_KEYS = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf'];

describe('user-supplied keys are own-key lookups in config maps', () => {
  it.each(PROTOTYPE_KEYS)('%s is not an environment of an app that does not define it', (key) => {
    expect(hasEnvironment(app, key)).toBe(false);
    expect(() => checkEnvironment(app, key)).toThrow(`hello has no environment "${key}"`);
    expect(environmentPort(app, key)).toBe(8080);
  });

  it("the app's own environments are found, with their ports", () => {
    expect(hasEnvironment(app, 'staging')).toBe(true);
    expect(environmentPort(app, 'staging')).toBe(8090);
    expect(() => checkEnvironment(app, 'production')).not.toThrow();
  });

  it.each(PROTOTYPE_KEYS)('"deploy hello --env %s" is refused in chat and nothing is queued', async (key) => {
    const queued: JobData[] = [];
    const queue = {
      enqueue: async (data: JobData) => {
        queued.push(data);
        return 'queued' as const;
      },
    } as unknown as JobQueue;
    const dispatcher = createDispatcher({
      registry: createRegistry(commands),
      config: () => config,
      queue,
      // Never reached: the environment is refused before any store is read (a call would throw).
      releases: {} as never,
      locks: {} as never,
      policy: requesterPolicy,
      log: silentLogger,
    });
    const outcome = await dispatcher.handle({
      platform: 'local',
      user: { id: 'local:alice', name: 'alice' },
      conversation: 'local',
      text: `deploy hello --env ${key}`,
      receivedAt: new Date(),
    });
    expect(outcome.type).toBe('answer');
    expect(outcome.reply.status).toBe('error');
    expect(outcome.reply.text).toMatch(
      key === 'constructor' ? /hello has no environment "constructor" \(it has: production, staging\)/ : /is not an environment name/,
    );
    expect(queued).toEqual([]);
  });

  it('a config may not smuggle prototype keys into the environment map', () => {
    expect(() =>
      validateConfig(
        JSON.parse('{"apps":[{"name":"a","source":{"path":"."},"port":8080,"environments":{"__proto__":{"port":9000}}}]}'),
        '/tmp/v.yml',
      ),
    ).toThrow(/apps\[0\]\.environments\.__proto__: "__proto__" cannot be a name here/);
  });
});
