import type Docker from 'dockerode';

/** Splits the Engine's multiplexed (non-TTY) log format into text: 8-byte frame headers, then payload. */
export function demuxLogs(buffer: Buffer): string {
  let out = '';
  let offset = 0;
  while (offset + 8 <= buffer.length) {
    const size = buffer.readUInt32BE(offset + 4);
    out += buffer.subarray(offset + 8, offset + 8 + size).toString('utf8');
    offset += 8 + size;
  }
  return offset === 0 && buffer.length > 0 ? buffer.toString('utf8') : out;
}

/** The last `tail` lines a container wrote, for failure reports. */
export async function tailContainerLogs(docker: Docker, id: string, tail = 20): Promise<string[]> {
  const raw = (await docker.getContainer(id).logs({ stdout: true, stderr: true, follow: false, tail })) as unknown as Buffer;
  return demuxLogs(Buffer.from(raw))
    .split('\n')
    .filter((l) => l.trim());
}
