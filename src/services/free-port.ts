import { createServer } from 'node:net';

/** Asks the kernel for an unused TCP port on 127.0.0.1. Racy by nature; callers retry on EADDRINUSE. */
export function findFreePort(): Promise<number> {
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
