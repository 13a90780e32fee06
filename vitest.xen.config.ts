import { defineConfig } from 'vitest/config';

/**
 * The LING tests against the real Xen lab (QEMU, software emulation): after the rest of the
 * suite, one file at a time, since the emulated machine needs both cores. Budget: a cold lab
 * build ~3 min, a boot ~1.5 min, then each domain's boot; the whole run stays well inside CI's 90.
 */
export default defineConfig({
  test: {
    include: ['test/xen/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts', 'test/support/xenlab/global-setup-xen.ts'],
    testTimeout: 10 * 60_000,
    hookTimeout: 40 * 60_000,
    pool: 'forks',
    fileParallelism: false,
    maxWorkers: 1,
  },
});
