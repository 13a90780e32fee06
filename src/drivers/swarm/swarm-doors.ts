import type Docker from 'dockerode';
import { environmentPort } from '../../config/app-environment.ts';
import type { AppSpec } from '../../config/schema.ts';
import type { DeployTarget, DriverIO } from '../driver.ts';
import { LABEL } from '../docker/labels.ts';
import { siteOf } from '../docker/point-front-door.ts';
import type { TaskInfo } from './swarm-services.ts';
import type { SwarmNode, SwarmNodes } from './swarm-nodes.ts';

/** The front doors of a Swarm's nodes, as the Swarm driver changes them (one Caddy container per node, `createEngineFrontDoor`). */
export function swarmDoors(docker: Docker, instance: string, nodes: SwarmNodes) {
  /** This instance's front door container on the engine (none, or one). */
  const doorContainers = (engine: Docker) =>
    engine.listContainers({ all: true, filters: JSON.stringify({ label: [`${LABEL.instance}=${instance}`, 'voxoz.role=frontdoor'] }) });

  return {
    /**
     * The nodes whose engines answer now; each one that does not is named in the thread, with
     * what `what` does without it (no image loaded there, its door not switched until it answers
     * again: the reconciler points it then).
     */
    async reach(io: DriverIO, what: string) {
      const { answering, away } = await nodes.check();
      for (const a of away)
        io.log(
          `node ${a.name} did not answer (${a.reason}): ${what} goes on without it (no image is loaded there, its front door is not switched); the reconciler points that door again within a minute of its answering`,
        );
      return { answering, away };
    },

    /**
     * Points the front door of each node in `on` at the release's running tasks on that node. A
     * node left with none (a scale down, a scale to 0) has its door emptied, so it answers 503 at
     * once instead of dialling a task that is gone; a node that never had a door is not given one.
     */
    async switchAll(t: DeployTarget, base: number, running: TaskInfo[], fence: number | undefined, on: SwarmNode[]) {
      const site = siteOf(instance, t.app.name, t.env, t.port);
      for (const node of on) {
        const here = running.filter((task) => task.NodeID === node.id).map((task) => `127.0.0.1:${base + Number(task.Slot)}`);
        if (here.length === 0 && (await doorContainers(node.engine)).length === 0) continue;
        await node.door.switch(site, here.sort(), fence);
      }
    },

    /** Says in the thread which nodes' front doors may reset a connection arriving at a switch (their hosts' kernel setting). */
    async noteHandover(running: TaskInfo[], io: DriverIO, on: SwarmNode[]) {
      for (const node of on) {
        if (!running.some((task) => task.NodeID === node.id)) continue;
        const risk = await node.door.handoverWarning?.().catch(() => undefined);
        if (risk) io.log(`note: on node ${node.name}, ${risk}`);
      }
    },

    /**
     * When app+env has no service left (`left`): its site leaves every node's door; when the
     * instance has no service left at all, the door containers go too (a later deploy makes them again).
     */
    async retire(app: AppSpec, env: string, left: number, io: DriverIO) {
      if (left > 0) return;
      const known = await nodes();
      const site = siteOf(instance, app.name, env, environmentPort(app, env));
      for (const node of known) await node.door.remove(site).catch(() => undefined);
      const all = await docker.listServices({ filters: JSON.stringify({ label: [`${LABEL.instance}=${instance}`] }) });
      if (all.length > 0) return;
      for (const node of known) {
        for (const c of await doorContainers(node.engine)) {
          await node.engine.getContainer(c.Id).remove({ force: true });
          io.log(`removed the front door ${c.Names[0]?.slice(1)} (nothing of ${instance} runs on this swarm any more)`);
        }
      }
      // The doors hold their (now removed) containers: the next use makes new ones.
      nodes.forget();
    },
  };
}
