import type { Driver, DriverIO } from '../../src/drivers/driver.ts';

/** A double of our Driver port whose behaviour each test scripts. */
export function scriptedDriver(
  script: { build?: (io: DriverIO, call: number) => Promise<void>; deploy?: (io: DriverIO) => Promise<void> } = {},
): Driver & { builds: number; deploys: number } {
  const driver = {
    runtime: 'docker',
    builds: 0,
    deploys: 0,
    async build(target: { release: number }, _ref: string | undefined, io: DriverIO) {
      driver.builds += 1;
      io.log('Step 1/1 : FROM busybox');
      await script.build?.(io, driver.builds);
      return { id: `sha256:${'ab'.repeat(32)}`, name: `voxoz-hello:v${target.release}` };
    },
    async deploy(target: { release: number }, _artifact: unknown, io: DriverIO) {
      driver.deploys += 1;
      io.log('started replica');
      await script.deploy?.(io);
      return {
        instances: [
          {
            id: 'c1',
            name: `hello-v${target.release}-0`,
            release: target.release,
            state: 'running',
            healthy: true,
            address: '127.0.0.1:18080',
          },
        ],
        healthy: 1,
      };
    },
    status: async () => [],
  };
  return driver as Driver & { builds: number; deploys: number };
}

/** Resolves never; rejects with the signal's reason once the job is aborted. */
export const untilAborted = (io: DriverIO) =>
  new Promise<void>((_, reject) => io.signal.addEventListener('abort', () => reject(io.signal.reason), { once: true }));
