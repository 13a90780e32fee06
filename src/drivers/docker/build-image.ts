import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { pack } from 'tar-fs';
import { UserError } from '../../core/user-error.ts';
import type { DriverIO } from '../driver.ts';
import { contextIgnore } from './context-ignore.ts';

interface BuildMessage {
  stream?: string;
  status?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: { ID?: string };
}

/**
 * Builds `contextDir` into image `tag` through the Engine API, streaming the builder's output
 * into the job log line by line. A Dockerfile error is the user's to fix (UserError); an engine
 * fault is thrown plainly so the queue retries. Cancelling closes the stream, which stops the build.
 */
export async function buildImage(docker: Docker, contextDir: string, dockerfile: string, tag: string, labels: Record<string, string>, io: DriverIO): Promise<string> {
  if (!existsSync(join(contextDir, dockerfile))) {
    throw new UserError('dockerfile_missing', `there is no ${dockerfile} in the app's source; add one or set "dockerfile" in voxoz.yml`);
  }
  const context = pack(contextDir, { ignore: contextIgnore(contextDir, dockerfile) });
  const stream = await docker.buildImage(context as unknown as NodeJS.ReadableStream, { t: tag, dockerfile, labels, rm: true, forcerm: true, pull: false });
  const onAbort = () => (stream as unknown as { destroy(): void }).destroy();
  io.signal.addEventListener('abort', onAbort, { once: true });
  let imageId: string | undefined;
  let buildError: string | undefined;
  let partial = '';
  try {
    await new Promise<void>((resolve, reject) => {
      stream.once('close', () => (io.signal.aborted ? reject(io.signal.reason ?? new Error('aborted')) : undefined));
      docker.modem.followProgress(stream, (err) => (err ? reject(err) : resolve()), (msg: BuildMessage) => {
        if (msg.error) buildError = msg.errorDetail?.message ?? msg.error;
        if (msg.aux?.ID) imageId = msg.aux.ID;
        const text = msg.stream ?? (msg.status ? `${msg.status}\n` : '');
        const lines = (partial + text).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) if (line.trim()) io.log(line.trimEnd());
      });
    });
  } finally {
    io.signal.removeEventListener('abort', onAbort);
  }
  if (partial.trim()) io.log(partial.trimEnd());
  if (io.signal.aborted) throw io.signal.reason ?? new Error('aborted');
  if (buildError) {
    io.log(`build error: ${buildError}`);
    throw new UserError('build_failed', `the image build failed: ${buildError.trim().split('\n')[0]}`);
  }
  return imageId ?? (await docker.getImage(tag).inspect()).Id;
}
