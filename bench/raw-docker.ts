import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { caddyAdmin } from '../src/frontdoor/caddy-admin.ts';
import { findFreePort } from '../src/services/free-port.ts';

const run = promisify(execFile);

/**
 * The baseline: what a person would type for the same result, with the same host, engine and
 * caddy. Every step is a CLI call (`docker`, `curl`), as argument arrays.
 */
export function rawDocker(dockerHost: string, caddySocket: string, label: string) {
  const env = { ...process.env, DOCKER_HOST: dockerHost };
  const docker = async (...args: string[]) => (await run('docker', args, { env })).stdout.trim();
  const now = () => performance.now();
  /** `until curl -sf -o /dev/null http://127.0.0.1:<port>/; do sleep 0.1; done`, bounded at 30 s (busybox wget segfaults on this host). */
  const waitAnswer = async (port: number) => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const ok = await run('curl', ['-sf', '-m', '1', '-o', '/dev/null', `http://127.0.0.1:${port}/`]).then(
        () => true,
        () => false,
      );
      if (ok) return;
      if (Date.now() > deadline) {
        const seen = await docker('ps', '-a', '--filter', `label=${label}`, '--format', '{{.Names}} {{.Status}}').catch(String);
        throw new Error(`127.0.0.1:${port} did not answer within 30 s; containers:\n${seen}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const replicaArgs = (name: string, port: number) => [
    '--name',
    name,
    '--label',
    label,
    '--network',
    'host',
    '--init',
    '--restart',
    'unless-stopped',
    '-e',
    `PORT=${port}`,
  ];
  return {
    /** docker create ×n, docker start ×n, a curl loop per replica, then one admin call pointing a new caddy server at them. */
    async deploy(image: string, name: string, replicas: number) {
      const site = await findFreePort();
      const ports: number[] = [];
      for (let i = 0; i < replicas; i++) ports.push(await findFreePort());
      const t0 = now();
      const ids: string[] = [];
      for (const [i, port] of ports.entries()) ids.push(await docker('create', ...replicaArgs(`${name}-${i}`, port), image));
      const t1 = now();
      for (const id of ids) await docker('start', id);
      const t2 = now();
      for (const port of ports) await waitAnswer(port);
      const t3 = now();
      const server = {
        listen: [`127.0.0.1:${site}`],
        routes: [{ handle: [{ handler: 'reverse_proxy', upstreams: ports.map((p) => ({ dial: `127.0.0.1:${p}` })) }] }],
        automatic_https: { disable: true },
      };
      await run('curl', [
        '-sf',
        '--unix-socket',
        caddySocket,
        '-H',
        `Host: ${caddyAdmin.HOST}`,
        '-H',
        'Content-Type: application/json',
        '-X',
        'POST',
        '-d',
        JSON.stringify(server),
        `http://localhost/config/apps/http/servers/${name}`,
      ]);
      await waitAnswer(site);
      const t4 = now();
      return { create: t1 - t0, start: t2 - t1, health: t3 - t2, switch: t4 - t3, total: t4 - t0 };
    },
    /** `docker run -d` n times in a row, each waited healthy before the next. */
    async runLoop(image: string, name: string, n: number) {
      const ports: number[] = [];
      for (let i = 0; i < n; i++) ports.push(await findFreePort());
      const t0 = now();
      for (const [i, port] of ports.entries()) {
        await docker('run', '-d', ...replicaArgs(`${name}-${i}`, port), image);
        await waitAnswer(port);
      }
      return { total: now() - t0 };
    },
    /** Removes every container with the bench's label, and a caddy server by name. */
    async clean(servers: string[] = []) {
      const ids = (await docker('ps', '-aq', '--filter', `label=${label}`)).split('\n').filter(Boolean);
      if (ids.length > 0) await docker('rm', '-f', ...ids);
      for (const s of servers) await caddyAdmin.call(caddySocket, 'DELETE', `/config/apps/http/servers/${s}`).catch(() => undefined);
    },
  };
}
