import { mkdirSync } from 'node:fs';
import { request } from 'node:http';
import { join, resolve } from 'node:path';
import { spawnService } from './child-service.ts';
import { waitUntil } from './wait-until.ts';

export interface RunningDockerd {
  /** A DOCKER_HOST value: unix:///…/docker.sock */
  host: string;
  stop(): Promise<void>;
}

/** Answers true when the Docker Engine API at `socketPath` replies OK to /_ping. */
export function pingDocker(socketPath: string, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolvePing) => {
    const req = request({ socketPath, path: '/_ping', timeout: timeoutMs }, (res) => {
      res.resume();
      resolvePing(res.statusCode === 200);
    });
    req.once('timeout', () => { req.destroy(); resolvePing(false); });
    req.once('error', () => resolvePing(false));
    req.end();
  });
}

/**
 * Starts a private Docker engine with its own socket, data root and exec root under `dir`.
 * It creates no bridge and touches no iptables rules: voxoz containers use host networking.
 * Needs root and the `dockerd` binary (Debian: docker.io). Keep `dir` short: a unix socket
 * path may not exceed 107 bytes.
 */
export async function startDockerd(dir: string): Promise<RunningDockerd> {
  const root = resolve(dir);
  mkdirSync(root, { recursive: true });
  const socket = join(root, 'docker.sock');
  const service = spawnService('dockerd', [
    '--bridge=none', '--iptables=false', '--ip-masq=false', '--ip6tables=false',
    '-H', `unix://${socket}`, '--data-root', join(root, 'data'), '--exec-root', join(root, 'exec'),
    '--pidfile', join(root, 'docker.pid'),
  ], join(root, 'dockerd.log'));
  const failed = new Promise<never>((_, reject) => {
    service.process.once('error', (err) => reject(new Error(`could not start dockerd: ${err.message} (install it: apt-get install docker.io)`)));
    service.process.once('exit', (code) => reject(new Error(`dockerd exited with code ${code}; see ${join(root, 'dockerd.log')}`)));
  });
  failed.catch(() => undefined);
  await Promise.race([waitUntil(`dockerd at ${socket}`, () => pingDocker(socket), 60_000, 200), failed]);
  return { host: `unix://${socket}`, stop: () => service.stop(20_000) };
}
