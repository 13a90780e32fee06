import type Docker from 'dockerode';
import type { DoorLock } from '../../frontdoor/door-lock.ts';
import type { FrontDoor } from '../../frontdoor/front-door.ts';
import { createEngineFrontDoor } from '../docker/engine-front-door.ts';
import { within } from '../../services/within.ts';

/** A Swarm node as the driver uses it: its engine, and the front door on it. */
export interface SwarmNode {
  id: string;
  /** The node's host name, for messages. */
  name: string;
  engine: Docker;
  door: FrontDoor;
}

/** A node engine that did not answer just now. */
export interface AwayNode {
  /** Its Swarm node id and host name, when it answered once before; else its engine's address. */
  id?: string;
  name: string;
  /** Why: the engine's error, or that it did not answer in time. */
  reason: string;
}

/** How long a node's engine gets to answer before the job goes on without it. */
export const NODE_ANSWER_MS = 3000;

export type SwarmNodes = (() => Promise<SwarmNode[]>) & {
  /** Every node engine asked at once: those that answered within the time limit, and those that did not. */
  check(): Promise<{ answering: SwarmNode[]; away: AwayNode[] }>;
  /** Drops what is known of them: the next call makes new doors (after their containers were removed). */
  forget(): void;
};

/**
 * The nodes behind `engines`, each with its front door (`createEngineFrontDoor`, its changes
 * under `doorLock`). Each call asks every engine (its Swarm node id and name once, a ping after
 * that) for at most `answerMs`: a node that is down or cut off from voxoz is left out of that
 * call (`check` says which and why) instead of failing the job, and is back once it answers.
 * Calling it gives the nodes that answered.
 */
export function swarmNodes(engines: ReadonlyArray<Docker>, instance: string, doorLock?: DoorLock, answerMs = NODE_ANSWER_MS): SwarmNodes {
  const known = new Map<Docker, SwarmNode>();
  const ask = async (engine: Docker): Promise<SwarmNode> => {
    const node = known.get(engine);
    if (node) {
      await engine.ping();
      return node;
    }
    const info = await engine.info();
    const made = {
      id: info.Swarm.NodeID as string,
      name: info.Name as string,
      engine,
      door: createEngineFrontDoor(engine, instance, {}, doorLock),
    };
    known.set(engine, made);
    return made;
  };
  const check = async () => {
    const answers = await Promise.all(
      engines.map((engine) =>
        within(answerMs, ask(engine)).then(
          (node) => ({ node }),
          (err: Error) => ({ away: { ...idOf(known.get(engine), engine), reason: err.message } }),
        ),
      ),
    );
    return {
      answering: answers.flatMap((a) => ('node' in a ? [a.node] : [])),
      away: answers.flatMap((a) => ('away' in a ? [a.away] : [])),
    };
  };
  const nodes = async () => (await check()).answering;
  return Object.assign(nodes, {
    check,
    forget() {
      known.clear();
    },
  });
}

function idOf(node: SwarmNode | undefined, engine: Docker): { id?: string; name: string } {
  if (node) return { id: node.id, name: node.name };
  const modem = engine.modem as { socketPath?: string; host?: string; port?: number | string; protocol?: string };
  return {
    name: modem.socketPath
      ? `unix://${modem.socketPath}`
      : `${modem.protocol ?? 'tcp'}://${modem.host}${modem.port ? `:${modem.port}` : ''}`,
  };
}
