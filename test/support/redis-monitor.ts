import { connect, type Socket } from 'node:net';

/**
 * Redis's MONITOR on a socket of its own. (ioredis's monitor() marks the connection as monitoring
 * only a turn after MONITOR's OK, so a command the server runs at once can arrive first and is
 * taken for a reply nobody asked for: "Command queue state error".)
 */
export interface RedisMonitor {
  close(): Promise<void>;
}

/** Calls `seen` with each command's words, unquoted, from the moment the returned promise settles. */
export async function monitorRedis(url: string, seen: (args: string[]) => void): Promise<RedisMonitor> {
  const u = new URL(url);
  const socket: Socket = connect({ host: u.hostname || '127.0.0.1', port: Number(u.port || 6379) });
  socket.setEncoding('latin1');
  let buffered = '';
  const password = decodeURIComponent(u.password);
  const user = decodeURIComponent(u.username);
  let oks = password ? 2 : 1;
  let started: (() => void) | undefined;
  let refused: ((e: Error) => void) | undefined;
  const ready = new Promise<void>((resolve, reject) => {
    started = resolve;
    refused = reject;
  });
  socket.on('error', (e) => refused?.(e));
  socket.on('data', (chunk: string) => {
    buffered += chunk;
    for (let end = buffered.indexOf('\r\n'); end >= 0; end = buffered.indexOf('\r\n')) {
      const line = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      if (line.startsWith('-')) refused?.(new Error(`MONITOR refused: ${line.slice(1)}`));
      else if (line === '+OK' && oks > 0) {
        if (--oks === 0) started?.();
      } else if (line.startsWith('+')) seen(monitorWords(line));
    }
  });
  if (password) socket.write(`${respCommand(user ? ['AUTH', user, password] : ['AUTH', password])}`);
  socket.write(respCommand(['MONITOR']));
  // With AUTH the first OK is AUTH's; MONITOR's comes before any monitored line.
  await ready;
  return {
    close: () =>
      new Promise<void>((resolve) => {
        socket.once('close', () => resolve());
        socket.destroy();
      }),
  };
}

function respCommand(words: string[]): string {
  return `*${words.length}\r\n${words.map((w) => `$${Buffer.byteLength(w)}\r\n${w}\r\n`).join('')}`;
}

const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', a: '\x07', b: '\b', '"': '"', '\\': '\\' };

/** `+1712345678.123456 [0 127.0.0.1:5000] "set" "k" "a \"b\""` → ['set', 'k', 'a "b"'] (Redis's sdscatrepr undone). */
export function monitorWords(line: string): string[] {
  const words: string[] = [];
  let i = line.indexOf('] ');
  if (i < 0) return words;
  i += 2;
  while (i < line.length) {
    if (line[i] !== '"') {
      i++;
      continue;
    }
    let word = '';
    i++;
    while (i < line.length && line[i] !== '"') {
      if (line[i] === '\\' && line[i + 1] === 'x') {
        word += String.fromCharCode(Number.parseInt(line.slice(i + 2, i + 4), 16));
        i += 4;
      } else if (line[i] === '\\') {
        word += ESCAPES[line[i + 1] ?? ''] ?? line[i + 1];
        i += 2;
      } else word += line[i++];
    }
    words.push(Buffer.from(word, 'latin1').toString('utf8'));
    i++;
  }
  return words;
}
