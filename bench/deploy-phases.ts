import type Docker from 'dockerode';
import type { Redis } from 'ioredis';
import { readWholeJobStream } from '../src/jobs/job-stream.ts';
import type { RedisKeys } from '../src/store/keys.ts';

/** One engine call the driver made: `create` or `start`, from and to (Date.now()). */
export interface Mark {
  call: 'create' | 'start';
  from: number;
  to: number;
}

/**
 * The driver's dockerode client, with its container creates and starts timed: the same client
 * (same prototype, same connection), only `createContainer` and the created container's
 * `start` are wrapped.
 */
export function timedDocker(docker: Docker): { docker: Docker; marks: Mark[] } {
  const marks: Mark[] = [];
  const timed = Object.create(docker) as Docker;
  timed.createContainer = (async (options: Docker.ContainerCreateOptions) => {
    const from = Date.now();
    const container = await docker.createContainer(options);
    marks.push({ call: 'create', from, to: Date.now() });
    const start = container.start.bind(container) as () => Promise<unknown>;
    container.start = (async () => {
      const begun = Date.now();
      const answer = await start();
      marks.push({ call: 'start', from: begun, to: Date.now() });
      return answer;
    }) as typeof container.start;
    return container;
  }) as typeof docker.createContainer;
  return { docker: timed, marks };
}

export interface JobPhases {
  queue: number;
  prepare?: number;
  create: number;
  start: number;
  /** First create to last start's end (the calls run in parallel in a scale). */
  createStartWall: number;
  health?: number;
  switch?: number;
  finish?: number;
  /** `say` to the job's `done` event. */
  total: number;
}

/** A job's time split by its events (their `at`) and the engine calls it made. */
export async function jobPhases(redis: Redis, keys: RedisKeys, jobId: string, saidAt: number, marks: Mark[]): Promise<JobPhases> {
  const events = (await readWholeJobStream(redis, keys, jobId)).map((e) => e.event);
  const at = (e: { at: string } | undefined) => (e ? Date.parse(e.at) : undefined);
  const started = at(events.find((e) => e.type === 'started'))!;
  const done = at(events.find((e) => e.type === 'done'))!;
  const logs = events.filter((e) => e.type === 'log');
  const healthy = at(logs.filter((e) => / is healthy /.test(e.line)).at(-1));
  const switched = at(logs.find((e) => /^switched /.test(e.line)));
  const sum = (call: Mark['call']) => marks.filter((m) => m.call === call).reduce((s, m) => s + m.to - m.from, 0);
  const firstCreate = marks[0]?.from;
  const lastStart = marks.length > 0 ? Math.max(...marks.map((m) => m.to)) : undefined;
  const diff = (a: number | undefined, b: number | undefined) => (a !== undefined && b !== undefined ? a - b : undefined);
  return {
    queue: started - saidAt,
    prepare: diff(firstCreate, started),
    create: sum('create'),
    start: sum('start'),
    createStartWall: diff(lastStart, firstCreate) ?? 0,
    health: diff(healthy, lastStart),
    switch: diff(switched, healthy),
    finish: diff(done, switched),
    total: done - saidAt,
  };
}
