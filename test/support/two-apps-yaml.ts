import { resolve } from 'node:path';
import { findFreePort } from '../../src/services/free-port.ts';
import { HELLO_APP_DIR } from './start-voxoz.ts';

/** An app that starts but never answers its health check: a job that is really running until cancelled. */
export const SLOW_APP_DIR = resolve(import.meta.dirname, '../fixtures/apps/slow');

/**
 * Config for the platform end-to-end tests: `hello` (deploys in seconds, on APP_PORT, which
 * startTestVoxoz fills in) and `slow` (never healthy; runs until cancelled or its timeout).
 */
export async function twoAppsYaml(opts: { concurrency: number; slowTimeoutSeconds: number }): Promise<string> {
  return `apps:
  - name: hello
    source: { path: ${HELLO_APP_DIR} }
    port: APP_PORT
    health: { path: /, timeoutSeconds: 20 }
  - name: slow
    source: { path: ${SLOW_APP_DIR} }
    port: ${await findFreePort()}
    health: { path: /, timeoutSeconds: ${opts.slowTimeoutSeconds} }
worker: { concurrency: ${opts.concurrency}, attempts: 1 }
`;
}
