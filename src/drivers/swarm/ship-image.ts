import type Docker from 'dockerode';
import type { Artifact, DriverIO } from '../driver.ts';

export interface ShipTo {
  /** The manager's engine, where the image was built. */
  docker: Docker;
  /** The registry (host:port) the nodes pull from, if the target names one. */
  registry?: string | undefined;
  /** Each node's engine: without a registry the image is loaded into each that lacks it. */
  nodeEngines: readonly Docker[];
}

/** The image ref the nodes run: pushed to the registry, or loaded into every node engine. */
export async function shipImage(to: ShipTo, artifact: Artifact, io: DriverIO): Promise<string> {
  const { docker, registry, nodeEngines } = to;
  if (registry) {
    const [repo, tag] = splitRef(artifact.name);
    const remote = `${registry}/${repo}`;
    await docker.getImage(artifact.id).tag({ repo: remote, tag });
    io.log(`pushing ${remote}:${tag}`);
    // Engine API 1.41 refuses a push without X-Registry-Auth ("Bad parameters and missing X-Registry-Auth"): an empty one for a registry without auth.
    const stream = (await docker.getImage(`${remote}:${tag}`).push({ authconfig: {} } as never)) as unknown as NodeJS.ReadableStream;
    await new Promise<void>((resolve, reject) =>
      docker.modem.followProgress(stream, (err, out: Array<{ error?: string }>) => {
        const bad = out?.find((o) => o.error);
        err || bad ? reject(err ?? new Error(`push of ${remote}:${tag} failed: ${bad?.error}`)) : resolve();
      }),
    );
    return `${remote}:${tag}`;
  }
  for (const engine of nodeEngines) {
    const has = await engine
      .getImage(artifact.name)
      .inspect()
      .then(
        (i) => i.Id === artifact.id,
        () => false,
      );
    if (has) continue;
    io.log(`loading ${artifact.name} into a node engine`);
    const tar = (await docker.getImage(artifact.name).get()) as NodeJS.ReadableStream;
    const res = (await engine.loadImage(tar, { quiet: true } as never)) as unknown as NodeJS.ReadableStream;
    await new Promise<void>((resolve, reject) => engine.modem.followProgress(res, (err) => (err ? reject(err) : resolve())));
  }
  return artifact.name;
}

/** `name:tag` → [name, tag]; `latest` when it has none. */
function splitRef(name: string): [string, string] {
  const i = name.lastIndexOf(':');
  return i > 0 ? [name.slice(0, i), name.slice(i + 1)] : [name, 'latest'];
}
