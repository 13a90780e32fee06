import { mkdirSync } from 'node:fs';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { spawnService } from './child-service.ts';
import { findFreePort } from './free-port.ts';
import { waitUntil } from './wait-until.ts';

export interface RunningRedis {
  url: string;
  stop(): Promise<void>;
}

/** Answers true when something at host:port speaks RESP and says PONG. */
export function pingRedis(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolvePing) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => { socket.destroy(); resolvePing(ok); };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

/**
 * Starts a private `redis-server` bound to 127.0.0.1 with AOF on and its data under `dir`.
 * Used by `voxoz start` when REDIS_URL is unset, and by the test setup.
 */
export async function startRedisServer(dir: string): Promise<RunningRedis> {
  const dataDir = resolve(dir);
  mkdirSync(dataDir, { recursive: true });
  const port = await findFreePort();
  const service = spawnService('redis-server', [
    '--port', String(port), '--bind', '127.0.0.1', '--dir', dataDir,
    '--appendonly', 'yes', '--save', '', '--daemonize', 'no', '--protected-mode', 'yes',
  ], join(dataDir, 'redis.log'));
  const failed = new Promise<never>((_, reject) => {
    service.process.once('error', (err) => reject(new Error(`could not start redis-server: ${err.message} (install it: apt-get install redis-server)`)));
    service.process.once('exit', (code) => reject(new Error(`redis-server exited with code ${code}; see ${join(dataDir, 'redis.log')}`)));
  });
  failed.catch(() => undefined);
  await Promise.race([waitUntil(`redis-server on port ${port}`, () => pingRedis('127.0.0.1', port), 15_000), failed]);
  return { url: `redis://127.0.0.1:${port}`, stop: () => service.stop() };
}
