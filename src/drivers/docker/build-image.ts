import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { pack } from 'tar-fs';
import { UserError } from '../../core/user-error.ts';
import type { DriverIO } from '../driver.ts';
import { MAX_PENDING_LINE } from '../run-logged.ts';
import { contextIgnore } from './context-ignore.ts';

interface BuildMessage {
  stream?: string;
  status?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: { ID?: string };
}

/** ` ---> 3f1a2b4c5d6e`: the image a build step committed (the builder's own output). */
const STEP_IMAGE = /^ ---> ([0-9a-f]{12,64})$/;
/** ` ---> Running in 3f1a2b4c5d6e`: the container a RUN step runs in. */
const STEP_CONTAINER = /^ ---> Running in ([0-9a-f]{12,64})$/;

/**
 * Builds `contextDir` into image `tag` through the Engine API, streaming the builder's output
 * into the job log line by line. A Dockerfile error is the user's to fix (UserError); an engine
 * fault is thrown plainly so the queue retries. Cancelling (or a time limit on `io.signal`)
 * closes the stream, which stops the build; the engine removes its build container
 * (`forcerm`). A build that does not finish leaves no half image either: the step images it
 * committed, and only those that did not exist before it, are removed.
 */
export async function buildImage(
  docker: Docker,
  contextDir: string,
  dockerfile: string,
  tag: string,
  labels: Record<string, string>,
  io: DriverIO,
): Promise<string> {
  if (!existsSync(join(contextDir, dockerfile))) {
    throw new UserError('dockerfile_missing', `there is no ${dockerfile} in the app's source; add one or set "dockerfile" in voxoz.yml`);
  }
  const before = new Set((await docker.listImages({ all: true })).map((i) => i.Id.replace(/^sha256:/, '')));
  const committed: string[] = [];
  const containers: string[] = [];
  const removeCommitted = () =>
    removeLeftovers(
      docker,
      containers,
      committed.filter((id) => ![...before].some((b) => b.startsWith(id))),
    );
  const context = pack(contextDir, { ignore: contextIgnore(contextDir, dockerfile) });
  const stream = await docker.buildImage(context as unknown as NodeJS.ReadableStream, {
    t: tag,
    dockerfile,
    labels,
    rm: true,
    forcerm: true,
    pull: false,
  });
  const onAbort = () => (stream as unknown as { destroy(): void }).destroy();
  io.signal.addEventListener('abort', onAbort, { once: true });
  if (io.signal.aborted) onAbort();
  let imageId: string | undefined;
  let buildError: string | undefined;
  let partial = '';
  try {
    await new Promise<void>((resolve, reject) => {
      stream.once('close', () => (io.signal.aborted ? reject(io.signal.reason ?? new Error('aborted')) : undefined));
      docker.modem.followProgress(
        stream,
        (err) => (err ? reject(err) : resolve()),
        (msg: BuildMessage) => {
          if (msg.error) buildError = msg.errorDetail?.message ?? msg.error;
          if (msg.aux?.ID) imageId = msg.aux.ID;
          const text = msg.stream ?? (msg.status ? `${msg.status}\n` : '');
          const lines = (partial + text).split('\n');
          partial = lines.pop() ?? '';
          if (partial.length > MAX_PENDING_LINE) {
            lines.push(partial);
            partial = '';
          }
          for (const line of lines) {
            const step = STEP_IMAGE.exec(line.trimEnd());
            if (step) committed.push(step[1]!);
            const running = STEP_CONTAINER.exec(line.trimEnd());
            if (running) containers.push(running[1]!);
            if (line.trim()) io.log(line.trimEnd());
          }
        },
      );
    });
  } catch (err) {
    await removeCommitted();
    throw err;
  } finally {
    io.signal.removeEventListener('abort', onAbort);
  }
  if (partial.trim()) io.log(partial.trimEnd());
  if (io.signal.aborted || buildError) await removeCommitted();
  if (io.signal.aborted) throw io.signal.reason ?? new Error('aborted');
  if (buildError) {
    io.log(`build error: ${buildError}`);
    throw new UserError('build_failed', `the image build failed: ${buildError.trim().split('\n')[0]}`);
  }
  return imageId ?? (await docker.getImage(tag).inspect()).Id;
}

/** Tries to remove an image its build container may still hold for a moment. @defaultValue 20 tries, 250 ms apart */
const REMOVE_TRIES = 20;

/**
 * What an unfinished build leaves: its step containers (the engine removes them too, but
 * asynchronously) and the step images it committed, newest first. Other errors are ignored: a
 * step image that is also another image's parent (another build's cache) stays, as it should.
 */
async function removeLeftovers(docker: Docker, containers: string[], images: string[]): Promise<void> {
  for (const id of containers)
    await docker
      .getContainer(id)
      .remove({ force: true })
      .catch(() => undefined);
  for (const id of [...images].reverse()) {
    for (let i = 0; i < REMOVE_TRIES; i++) {
      // Only "in use by a container" is worth waiting out; "has dependent child images" is final.
      const held = await docker
        .getImage(id)
        .remove({ noprune: false })
        .then(
          () => false,
          (err: { statusCode?: number; message?: string }) => err.statusCode === 409 && /container/i.test(err.message ?? ''),
        );
      if (!held || i === REMOVE_TRIES - 1) break;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
