import type { TestProject } from 'vitest/node';
import { ensureXenLab, startXenLab, type XenLabInfo } from './xen-lab.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    xenLab: XenLabInfo;
  }
}

/**
 * Builds (once per machine and recipe) and boots the Xen lab for the test/xen files, and
 * stops it afterwards. A lab that cannot start fails the run: the LING tests never skip.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const lab = await startXenLab(await ensureXenLab());
  const { admin: _admin, stop, ...info } = lab;
  project.provide('xenLab', info);
  return async () => {
    await stop();
  };
}
