import type { LogFile } from './chat-surface.ts';

/**
 * The last `maxBytes` bytes of a log file (all of it by default), read through its stream and
 * keeping only as many chunks as that needs: for platforms that take a Buffer and cap uploads.
 */
export async function readLogTail(file: LogFile, maxBytes = Number.POSITIVE_INFINITY): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of file.open()) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    chunks.push(buffer);
    size += buffer.length;
    while (chunks.length > 1 && size - chunks[0]!.length >= maxBytes) size -= chunks.shift()!.length;
  }
  const all = Buffer.concat(chunks);
  return all.length > maxBytes ? all.subarray(all.length - maxBytes) : all;
}
