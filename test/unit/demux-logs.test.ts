import { describe, expect, it } from 'vitest';
import { demuxFrames, demuxLogs, framesToLines } from '../../src/drivers/docker/container-logs.ts';

/** One frame of the Engine's multiplexed log format: stream byte, three zero bytes, size, payload. */
const frame = (stream: 1 | 2, text: string) => {
  const payload = Buffer.from(text, 'utf8');
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
};

describe('demultiplexing container logs', () => {
  it('tells stdout from stderr, joins a line split over frames of one stream, and keeps an unfinished last line', () => {
    const raw = Buffer.concat([frame(1, 'out one\nout t'), frame(2, 'err one\n'), frame(1, 'wo\r\n'), frame(2, 'last, no newline')]);
    expect(demuxFrames(raw).map((f) => f.stream)).toEqual(['stdout', 'stderr', 'stdout', 'stderr']);
    expect(framesToLines(demuxFrames(raw))).toEqual([
      { stream: 'stdout', text: 'out one' },
      { stream: 'stderr', text: 'err one' },
      { stream: 'stdout', text: 'out two' },
      { stream: 'stderr', text: 'last, no newline' },
    ]);
    expect(demuxLogs(raw)).toBe('out one\nout terr one\nwo\r\nlast, no newline');
  });

  it('reads a TTY container (no frame headers) as stdout, and nothing as no lines', () => {
    expect(demuxFrames(Buffer.from('plain text\n'))).toEqual([{ stream: 'stdout', text: 'plain text\n' }]);
    expect(framesToLines(demuxFrames(Buffer.alloc(0)))).toEqual([]);
  });
});
