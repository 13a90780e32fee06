import type { AppSpec } from '../../config/schema.ts';
import type { TargetSpec } from '../../config/target-schema.ts';
import { engineHealthCheck } from '../docker/engine-health-check.ts';
import { LABEL } from '../docker/labels.ts';
import type { DeployTarget } from '../driver.ts';
import type { PortBlock } from './port-blocks.ts';

/** `voxoz-hello-production-v3` */
export const serviceName = (instance: string, app: string, env: string, release: number) => `${instance}-${app}-${env}-v${release}`;

export interface ServiceSpecInput {
  /** Label value `voxoz.instance`; prefixes the service's name. */
  instance: string;
  placement: TargetSpec['placement'];
  target: DeployTarget;
  image: string;
  /** The image's entrypoint and command, run after the port is computed. */
  argv: string[];
  replicas: number;
  /** The task in slot s listens on ports.base + s (port-blocks.ts). */
  ports: PortBlock;
  /** The app's secrets by name, added to its environment. */
  secrets: Record<string, string>;
  /** The deploy's fence token, as the `voxoz.fence` label. */
  fence?: number;
}

/**
 * The Engine API spec of a release's service: host networking, each task's port its release's
 * base plus its slot (computed by sh before the app starts, so two tasks of a release on one node
 * do not collide), the health check on that port, the target's constraints and spread preference.
 */
export function serviceSpec(input: ServiceSpecInput): Record<string, unknown> {
  const { instance, placement, image, argv, replicas, ports, secrets, fence } = input;
  const base = ports.base;
  const { app, env, release } = input.target;
  const spread = placement.spread;
  return {
    Name: serviceName(instance, app.name, env, release),
    Labels: {
      [LABEL.instance]: instance,
      [LABEL.app]: app.name,
      [LABEL.env]: env,
      [LABEL.release]: String(release),
      [LABEL.port]: String(base),
      [LABEL.portBlock]: String(ports.size),
      ...(fence !== undefined ? { [LABEL.fence]: String(fence) } : {}),
    },
    TaskTemplate: {
      ContainerSpec: {
        Image: image,
        Command: ['/bin/sh', '-c', 'PORT=$((VOXOZ_BASE_PORT + VOXOZ_REPLICA)); export PORT; exec "$@"', 'voxoz-start'],
        Args: argv,
        Env: Object.entries({
          ...app.env,
          ...secrets,
          VOXOZ_BASE_PORT: String(base),
          VOXOZ_REPLICA: '{{.Task.Slot}}',
          VOXOZ_APP: app.name,
          VOXOZ_ENV: env,
          VOXOZ_RELEASE: String(release),
        }).map(([k, v]) => `${k}=${v}`),
        Labels: { [LABEL.instance]: instance, [LABEL.app]: app.name, [LABEL.env]: env, [LABEL.release]: String(release) },
        // The port is per task: the check computes it the same way.
        HealthCheck: { ...engineHealthCheck(app.health, 0), Test: healthTest(app) },
        Init: true,
      },
      Networks: [{ Target: 'host' }],
      Placement: {
        Constraints: placement.constraints,
        ...(spread ? { Preferences: [{ Spread: { SpreadDescriptor: `node.labels.${spread}` } }] } : {}),
      },
      RestartPolicy: { Condition: 'on-failure', MaxAttempts: 0, Delay: 1_000_000_000 },
    },
    Mode: { Replicated: { Replicas: replicas } },
  };
}

/** The health check with the task's own port: sh computes it from VOXOZ_BASE_PORT and VOXOZ_REPLICA. */
function healthTest(app: AppSpec): string[] {
  const t = engineHealthCheck(app.health, 0).Test;
  // Test: CMD sh -c SCRIPT name URL PATTERN; the URL's port is replaced by the computed one.
  const script = t[3] as string;
  return [
    'CMD',
    'sh',
    '-c',
    `set -- "http://127.0.0.1:$((VOXOZ_BASE_PORT + VOXOZ_REPLICA))${app.health.path}" "$1"; ${script}`,
    'voxoz-health',
    t[6] as string,
  ];
}
