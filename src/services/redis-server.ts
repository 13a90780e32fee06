import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { connect, type NetConnectOpts } from 'node:net';
import { join, resolve } from 'node:path';
import { findFreePort } from './free-port.ts';
import { isRunning, readPidFile, stopProcess } from './process-info.ts';
import { spawnDetached } from './spawn-detached.ts';
import { waitUntil } from './wait-until.ts';

export interface RunningRedis {
  /** What ioredis connects to: the unix socket's absolute path, or redis://127.0.0.1:port when a TCP port was asked for. */
  url: string;
  pid: number;
  /** True when a redis-server left running by an earlier voxoz was taken over instead of started. */
  adopted: boolean;
  /** Stops it (SIGTERM: redis syncs its AOF and exits) and waits until it is gone. */
  stop(): Promise<void>;
}

/** Longest path a unix socket may have (sun_path is 108 bytes with its NUL). */
export const MAX_SOCKET_PATH = 107;

/** Answers true when something at the address speaks RESP and says PONG. */
export function pingRedis(address: NetConnectOpts | string, port?: number, timeoutMs = 1000): Promise<boolean> {
  const target: NetConnectOpts =
    typeof address === 'string' ? (address.startsWith('/') ? { path: address } : { host: address, port: port! }) : address;
  return new Promise((resolvePing) => {
    const socket = connect(target);
    const done = (ok: boolean) => {
      socket.destroy();
      resolvePing(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

/**
 * The one redis-server of a data directory (AOF on, data in `dir`), reached through the unix
 * socket `dir/redis.sock` (mode 0700: only this user). A live one, left by a voxoz that died
 * without stopping it, is adopted, so queued jobs and the apps' records carry on and two servers
 * never append to one AOF. `tcpPort` also listens on 127.0.0.1 (the test setup's shared server).
 * Callers make sure only one process at a time runs this for a `dir` (acquireDataDirLock).
 */
export async function ensureRedisServer(dir: string, opts: { tcpPort?: number } = {}): Promise<RunningRedis> {
  const dataDir = resolve(dir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const socket = join(dataDir, 'redis.sock');
  const pidFile = join(dataDir, 'redis.pid');
  if (Buffer.byteLength(socket) > MAX_SOCKET_PATH) {
    throw new Error(
      `the path of redis-server's socket, ${socket}, is longer than ${MAX_SOCKET_PATH} bytes; set VOXOZ_DATA_DIR to a shorter path`,
    );
  }
  const url = opts.tcpPort ? `redis://127.0.0.1:${opts.tcpPort}` : socket;
  const stopper = (pid: number) => () => stopProcess(pid, 'redis-server', 10_000);
  const running = readPidFile(pidFile);
  if (isRunning(running, 'redis-server')) {
    // Left by a voxoz that died (or still starting): wait for it to answer, then adopt it.
    await waitUntil(`the running redis-server (pid ${running}) at ${socket}`, () => pingRedis(socket), 15_000);
    return { url, pid: running, adopted: true, stop: stopper(running) };
  }
  if (existsSync(socket)) rmSync(socket, { force: true });
  const service = spawnDetached(
    'redis-server',
    [
      '--port',
      String(opts.tcpPort ?? 0),
      '--bind',
      '127.0.0.1',
      '--unixsocket',
      socket,
      '--unixsocketperm',
      '700',
      '--dir',
      dataDir,
      '--pidfile',
      pidFile,
      '--appendonly',
      'yes',
      '--save',
      '',
      '--daemonize',
      'no',
      '--protected-mode',
      'yes',
    ],
    join(dataDir, 'redis.log'),
    'install it: apt-get install redis-server',
  );
  await Promise.race([
    waitUntil(`redis-server at ${socket}`, () => pingRedis(socket), 15_000),
    service.failed.then((err) => {
      throw err;
    }),
  ]);
  return { url, pid: service.pid, adopted: false, stop: stopper(service.pid) };
}

/** A fresh redis-server for the test setup and benchmarks: own directory, unix socket and a free TCP port. */
export async function startRedisServer(dir: string): Promise<RunningRedis> {
  return ensureRedisServer(dir, { tcpPort: await findFreePort() });
}
