import type Docker from 'dockerode';
import type { PortRange } from '../../config/port-range.ts';
import type { TargetSpec } from '../../config/target-schema.ts';
import { UserError } from '../../core/user-error.ts';
import type { DoorLock } from '../../frontdoor/door-lock.ts';
import type { DeployTarget, DriverIO } from '../driver.ts';
import { type PortBlock, pickBlock } from './port-blocks.ts';
import { serviceSpec } from './service-spec.ts';
import { takenBlocks } from './swarm-services.ts';

/**
 * Creates a release's service (`replicas` tasks) on a block of `range` that no service on the
 * Swarm holds (any app's, any installation's), picked and taken under `lock` for the Swarm
 * (`swarm-ports@<cluster id>`), so two deploys at once, from any worker, get two blocks. A range
 * too narrow for the replicas, or with no block free, is a UserError saying what to change.
 */
export async function createReleaseService(
  deps: {
    docker: Docker;
    instance: string;
    target: TargetSpec;
    secretValues: (names: ReadonlyArray<string>) => Record<string, string>;
    lock: DoorLock;
    range: PortRange;
  },
  t: DeployTarget,
  /** `avoid`: Swarm node ids its tasks must not go to (their engines do not answer voxoz). */
  { image, replicas, avoid = [] }: { image: string; replicas: number; avoid?: string[] },
  io: DriverIO,
): Promise<{ svc: Docker.Service; ports: PortBlock }> {
  const { docker, instance, target, range } = deps;
  const img = await docker
    .getImage(image)
    .inspect()
    .catch(() => undefined);
  const cluster = String(((await docker.info()) as { Swarm?: { Cluster?: { ID?: string } } }).Swarm?.Cluster?.ID);
  return deps.lock(`swarm-ports@${cluster}`, async () => {
    const ports = pickBlock(range, await takenBlocks(docker), t.release);
    const span = `${range.from}-${range.to}`;
    const who = `${t.app.name} (${t.env})`;
    if (!ports || ports.size < replicas)
      throw new UserError(
        'no_replica_ports',
        ports
          ? `${replicas} replicas of ${who} need ${replicas} ports for each release, and the replica port range ${span} gives each release ${ports.size}; give the environment a range of at least ${replicas * 2} ports ("replicaPorts" in voxoz.yml)`
          : `no block of ports in ${span} is free on the swarm ${target.name} for ${who}: each is held by a release's service; give the environment a range of its own ("replicaPorts" in voxoz.yml), or remove what holds them`,
      );
    const spec = serviceSpec({
      instance,
      placement: { ...target.placement, constraints: [...target.placement.constraints, ...avoid.map((id) => `node.id!=${id}`)] },
      target: t,
      image,
      argv: [...(img?.Config?.Entrypoint ?? []), ...(img?.Config?.Cmd ?? [])],
      replicas,
      ports,
      secrets: deps.secretValues(t.app.secrets),
      ...(io.fence ? { fence: io.fence.token } : {}),
    });
    const svc = (await docker.createService(spec as never)) as unknown as Docker.Service;
    return { svc, ports };
  });
}
