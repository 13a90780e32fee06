import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { findFreePort } from '../../src/services/free-port.ts';
import { waitUntil } from '../../src/services/wait-until.ts';

/** The master name the lab's sentinels monitor. */
export const LAB_MASTER = 'voxoz';

export interface SentinelLab {
  /** `redis+sentinel://127.0.0.1:<s1>,127.0.0.1:<s2>,127.0.0.1:<s3>/voxoz` */
  url: string;
  /** The port of the server that is master now, as the sentinels say. */
  masterPort(): Promise<number>;
  /** What the server on `port` says it is (`master` or `slave`), or `down`. */
  role(port: number): Promise<string>;
  /** Ports of the two data servers, master first as started. */
  ports: { master: number; replica: number; sentinels: number[] };
  /** Signals the process on `port`: SIGKILL (no save, no goodbye to the clients) unless told otherwise (SIGSTOP, SIGCONT). */
  kill(port: number, signal?: NodeJS.Signals): void;
  /** Kills every process the lab started and removes its tmp dir; safe to call twice. */
  stop(): Promise<void>;
}

export interface SentinelLabOptions {
  /** Sentinels' `down-after-milliseconds`. @defaultValue 1000 */
  downAfterMs?: number;
  /** Sentinels' `failover-timeout`. @defaultValue 5000 */
  failoverTimeoutMs?: number;
  /** Start no sentinels: a master and its replica only. @defaultValue false */
  noSentinels?: boolean;
}

/**
 * Debian's redis-server and redis-sentinel on 127.0.0.1 only, on free ports, data in a tmp dir:
 * one master, one replica, three sentinels (quorum 2). Resolves once the replica is in sync and
 * each sentinel knows the replica and the two other sentinels, so a failover can be elected.
 */
export async function startSentinelLab(opts: SentinelLabOptions = {}): Promise<SentinelLab> {
  const dir = mkdtempSync(join(tmpdir(), 'vx-sentinel-'));
  const children = new Map<number, ChildProcess>();
  const clients: Redis[] = [];
  const start = (cmd: string, args: string[]) => {
    const child = spawn(cmd, args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr?.resume();
    return child;
  };
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    for (const c of clients) c.disconnect();
    const exits = [...children.values()].map(
      (child) =>
        new Promise<void>((resolve) =>
          child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve()),
        ),
    );
    for (const child of children.values()) {
      child.kill('SIGCONT');
      child.kill('SIGKILL');
    }
    await Promise.all(exits);
    rmSync(dir, { recursive: true, force: true });
    process.off('exit', killAll);
  };
  // A test runner that exits without afterAll still takes the servers with it.
  const killAll = () => {
    for (const child of children.values()) child.kill('SIGKILL');
  };
  process.on('exit', killAll);
  try {
    const [master, replica, ...sentinels] = await Promise.all([1, 2, 3, 4, 5].map(() => findFreePort()));
    const server = (port: number, extra: string[]) => {
      const data = join(dir, `redis-${port}`);
      mkdirSync(data);
      // biome-ignore format: one option per line reads better
      const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', data, '--save', '', '--appendonly', 'no', '--daemonize', 'no', ...extra];
      children.set(port, start('/usr/bin/redis-server', args));
    };
    server(master!, []);
    server(replica!, ['--replicaof', '127.0.0.1', String(master)]);
    const client = (port: number) => {
      const c = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => 100 });
      c.on('error', () => undefined);
      clients.push(c);
      return c;
    };
    const replicaClient = client(replica!);
    const dataClients = new Map<number, Redis>([[replica!, replicaClient]]);
    await waitUntil('the replica to be in sync', async () => /master_link_status:up/.test(await replicaClient.info('replication')), 10_000);
    if (!opts.noSentinels) {
      for (const port of sentinels as number[]) {
        const data = join(dir, `sentinel-${port}`);
        mkdirSync(data);
        const conf = join(data, 'sentinel.conf');
        writeFileSync(
          conf,
          [
            `port ${port}`,
            'bind 127.0.0.1',
            `dir ${data}`,
            `sentinel monitor ${LAB_MASTER} 127.0.0.1 ${master} 2`,
            `sentinel down-after-milliseconds ${LAB_MASTER} ${opts.downAfterMs ?? 1000}`,
            `sentinel failover-timeout ${LAB_MASTER} ${opts.failoverTimeoutMs ?? 5000}`,
            `sentinel parallel-syncs ${LAB_MASTER} 1`,
            '',
          ].join('\n'),
        );
        children.set(port, start('/usr/bin/redis-sentinel', [conf]));
      }
      for (const port of sentinels as number[]) {
        const s = client(port);
        await waitUntil(
          `sentinel ${port} to know the replica and the other sentinels`,
          async () => {
            const fields = (await s.call('SENTINEL', 'MASTER', LAB_MASTER)) as string[];
            const get = (k: string) => Number(fields[fields.indexOf(k) + 1]);
            return get('num-slaves') === 1 && get('num-other-sentinels') === 2;
          },
          20_000,
          100,
        );
      }
    }
    const sentinelClient = opts.noSentinels ? undefined : client(sentinels[0]!);
    return {
      url: `redis+sentinel://${(sentinels as number[]).map((p) => `127.0.0.1:${p}`).join(',')}/${LAB_MASTER}`,
      ports: { master: master!, replica: replica!, sentinels: sentinels as number[] },
      async masterPort() {
        if (!sentinelClient) return master!;
        const [, port] = (await sentinelClient.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', LAB_MASTER)) as [string, string];
        return Number(port);
      },
      async role(port) {
        const c = dataClients.get(port) ?? client(port);
        dataClients.set(port, c);
        const info = await c.info('replication').catch(() => '');
        return /^role:(\w+)/m.exec(info)?.[1] ?? 'down';
      },
      kill(port, signal = 'SIGKILL') {
        children.get(port)?.kill(signal);
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
