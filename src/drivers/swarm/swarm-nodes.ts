import type Docker from 'dockerode';
import type { DoorLock } from '../../frontdoor/door-lock.ts';
import type { FrontDoor } from '../../frontdoor/front-door.ts';
import { createEngineFrontDoor } from '../docker/engine-front-door.ts';

/** A Swarm node as the driver uses it: its engine, and the front door on it. */
export interface SwarmNode {
  id: string;
  /** The node's host name, for messages. */
  name: string;
  engine: Docker;
  door: FrontDoor;
}

/**
 * The nodes behind `engines` (each asked once for its Swarm node id and name; asked again after
 * a failure), each with its front door (`createEngineFrontDoor`, its changes under `doorLock`).
 * `forget` drops them: the next call makes new ones (new doors: after their containers were removed).
 */
export function swarmNodes(
  engines: ReadonlyArray<Docker>,
  instance: string,
  doorLock?: DoorLock,
): (() => Promise<SwarmNode[]>) & { forget(): void } {
  let known: Promise<SwarmNode[]> | undefined;
  const nodes = () => {
    known ??= (async () => {
      const out: SwarmNode[] = [];
      for (const engine of engines) {
        const info = await engine.info();
        const door = createEngineFrontDoor(engine, instance, {}, doorLock);
        out.push({ id: info.Swarm.NodeID as string, name: info.Name as string, engine, door });
      }
      return out;
    })().catch((err) => {
      known = undefined;
      throw err;
    });
    return known;
  };
  return Object.assign(nodes, {
    forget() {
      known = undefined;
    },
  });
}
