import Docker from 'dockerode';
import { displayUrl } from '../../observability/display-url.ts';
import { guardStalls, type StallGuardOptions } from './engine-stall-guard.ts';

/**
 * Translates a DOCKER_HOST value (unix:///path, tcp://host:port, ssh://user@host[:port], or a
 * bare socket path) into dockerode options. Over ssh the engine is reached as the docker CLI
 * does, with `docker system dial-stdio` on the remote host, authenticated by the ssh agent at
 * `sshAgent` (SSH_AUTH_SOCK).
 */
export function dockerOptionsFromHost(host: string | undefined, { sshAgent }: { sshAgent?: string } = {}): Docker.DockerOptions {
  if (!host) return { socketPath: '/var/run/docker.sock' };
  if (host.startsWith('unix://')) return { socketPath: host.slice('unix://'.length) };
  if (host.startsWith('/')) return { socketPath: host };
  if (host.startsWith('ssh://')) {
    const url = new URL(host);
    return {
      protocol: 'ssh',
      host: url.hostname,
      port: Number(url.port || 22),
      ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
      sshOptions: sshAgent ? { agent: sshAgent } : {},
    };
  }
  const url = new URL(host.replace(/^tcp:/, 'http:'));
  return { host: url.hostname, port: Number(url.port || 2375), protocol: 'http' };
}

/**
 * A client of the engine at `host` (dockerOptionsFromHost) whose calls cannot hang on an engine
 * that stopped answering (guardStalls; `stall` sets its timings).
 */
export function createDockerClient(
  host: string | undefined,
  opts: { sshAgent?: string; stall?: Omit<StallGuardOptions, 'name'> } = {},
): Docker {
  return guardStalls(new Docker(dockerOptionsFromHost(host, opts)), {
    name: displayUrl(host ?? 'unix:///var/run/docker.sock'),
    ...opts.stall,
  });
}
