import { createServer } from 'node:net';

/** Ports this process was handed already: the kernel can hand the same one out again once it is closed. */
const handedOut = new Set<number>();
const TRIES = 50;

/**
 * Asks the kernel for an unused TCP port on 127.0.0.1, never one this process was given before
 * (two apps configured from two calls in a row must not get one port). Racy by nature against
 * other processes; callers retry on EADDRINUSE. `ask` is the kernel's answer (a test's own).
 */
export async function findFreePort(ask: () => Promise<number> = askKernel): Promise<number> {
  for (let i = 0; i < TRIES; i++) {
    const port = await ask();
    if (handedOut.has(port)) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error(`no TCP port on 127.0.0.1 that this process was not given before, after ${TRIES} tries`);
}

function askKernel(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
