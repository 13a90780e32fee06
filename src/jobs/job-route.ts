import type { VoxozConfig } from '../config/schema.ts';
import type { JobData } from '../core/types.ts';

/** The queue of Docker apps' jobs and of jobs about no app. */
export const DEFAULT_QUEUE = 'jobs';

/**
 * Workers take jobs by what they reach: a job of a `ling` app goes to `jobs-ling`, which only
 * workers that reach a Xen host take; every other job to `jobs`, taken by workers that reach a
 * Docker engine. The queue is written into the job, so its line and its cancel find it later.
 */
export function routeJob(config: Pick<VoxozConfig, 'apps'>, data: Pick<JobData, 'app'>): string {
  const app = data.app === undefined ? undefined : config.apps.find((a) => a.name === data.app);
  return app && app.runtime !== 'docker' ? `${DEFAULT_QUEUE}-${app.runtime}` : DEFAULT_QUEUE;
}

/** What a queue's workers must reach, for the message that none does. */
export function queueNeeds(queue: string): string {
  return queue === `${DEFAULT_QUEUE}-ling` ? 'a Xen host (xen.hosts in voxoz.yml)' : 'a Docker engine';
}
