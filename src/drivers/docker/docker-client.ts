import Docker from 'dockerode';

/** Translates a DOCKER_HOST value (unix:///path, tcp://host:port, or a bare socket path) into dockerode options. */
export function dockerOptionsFromHost(host: string | undefined): Docker.DockerOptions {
  if (!host) return { socketPath: '/var/run/docker.sock' };
  if (host.startsWith('unix://')) return { socketPath: host.slice('unix://'.length) };
  if (host.startsWith('/')) return { socketPath: host };
  const url = new URL(host.replace(/^tcp:/, 'http:'));
  return { host: url.hostname, port: Number(url.port || 2375), protocol: 'http' };
}

export function createDockerClient(host: string | undefined): Docker {
  return new Docker(dockerOptionsFromHost(host));
}
