import { describe, expect, it } from 'vitest';
import type { JobData } from '../../src/core/types.ts';
import type { JobEvent } from '../../src/jobs/job-event.ts';
import { applyEvent, initialView, renderParent } from '../../src/relay/job-view.ts';
import { formatLogBatch } from '../../src/relay/log-batch.ts';
import { utcSecond } from '../../src/dispatch/utc-minute.ts';

const job: JobData = {
  id: 'j1',
  kind: 'deploy',
  command: 'deploy hello',
  app: 'hello',
  env: 'production',
  args: { app: 'hello' },
  requestedBy: { id: 'local:alice', name: 'alice' },
  thread: { platform: 'local', conversation: 'local' },
  requestedAt: '2026-11-28T10:00:00.000Z',
};
const at = (s: number) => new Date(Date.UTC(2026, 10, 28, 10, 0, s)).toISOString();

describe('job view', () => {
  it('moves queued → building → deploying → the result, with step timings', () => {
    const events: JobEvent[] = [
      { type: 'queued', at: at(0) },
      { type: 'started', at: at(1), attempt: 1, worker: 'w' },
      { type: 'step', at: at(1), step: 'build', state: 'running' },
      { type: 'log', at: at(2), line: 'Step 1/2' },
      { type: 'step', at: at(4), step: 'build', state: 'done' },
      { type: 'step', at: at(4), step: 'deploy', state: 'running' },
      { type: 'step', at: at(5), step: 'deploy', state: 'done' },
      { type: 'done', at: at(5), outcome: 'succeeded', result: { title: 'hello v1 live (1/1 healthy)' } },
    ];
    const titles: string[] = [];
    let view = initialView(job);
    titles.push(renderParent(view).title);
    for (const e of events) {
      view = applyEvent(view, e);
      titles.push(renderParent(view).title);
    }
    expect([...new Set(titles)]).toEqual([
      'deploy hello: queued',
      'deploy hello: running',
      'deploy hello: building',
      'deploy hello: deploying',
      'hello v1 live (1/1 healthy)',
    ]);
    const final = renderParent(view);
    expect(final.status).toBe('succeeded');
    expect(final.steps).toEqual([
      { name: 'build', state: 'done', ms: 3000 },
      { name: 'deploy', state: 'done', ms: 1000 },
    ]);
    expect(final.buttons).toBeUndefined();
    expect(view.lines).toBe(1);
  });

  it('offers Cancel only while the job can still be cancelled', () => {
    const queued = renderParent(initialView(job));
    expect(queued.buttons).toEqual([{ id: 'cancel', label: 'Cancel', style: 'danger', value: 'j1' }]);
    const failed = applyEvent(initialView(job), {
      type: 'done',
      at: at(1),
      outcome: 'failed',
      result: { title: 'deploy hello: failed', text: 'boom' },
    });
    expect(renderParent(failed)).toMatchObject({ status: 'failed', text: 'boom' });
    // A job that succeeded and reports something to look at is marked so, not as all well.
    const looked = applyEvent(initialView(job), {
      type: 'done',
      at: at(1),
      outcome: 'succeeded',
      result: { title: 'hello: 1/2 instances healthy (production)', attention: true },
    });
    expect(renderParent(looked)).toMatchObject({ status: 'attention', title: 'hello: 1/2 instances healthy (production)' });
    expect(renderParent(looked).buttons).toBeUndefined();
    expect(renderParent(failed).buttons).toBeUndefined();
    // An alert's message is not a job: no Cancel while its incident is open.
    const alert = applyEvent(initialView({ ...job, kind: 'alert' }), { type: 'started', at: at(1), attempt: 1, worker: 'alerts' });
    expect(renderParent(alert).buttons).toBeUndefined();
  });

  it('a delayed job says when it runs until it is let run early (a line in its thread) or starts', () => {
    const later = initialView({ ...job, command: 'scale hello 1', runAt: at(600) });
    expect(renderParent(later)).toMatchObject({ title: `scale hello 1: scheduled for ${utcSecond(at(600))}`, scheduledFor: at(600) });
    const early = applyEvent(later, {
      type: 'log',
      at: at(1),
      line: 'runs now: "scale hello 2" (job j2) ended the burst; this runs after it',
    });
    expect(renderParent(early).title).toBe('scale hello 1: queued');
    expect(renderParent(early).scheduledFor).toBeUndefined();
    const started = applyEvent(later, { type: 'started', at: at(600), attempt: 1, worker: 'w' });
    expect(renderParent(started).title).toBe('scale hello 1: running');
  });
});

describe('formatLogBatch', () => {
  it('keeps short batches whole', () => {
    expect(formatLogBatch(['a', 'b', 'c'], 100)).toBe('a\nb\nc');
  });
  it('keeps the newest lines of a long backlog and says how many were skipped', () => {
    const lines = Array.from({ length: 10_000 }, (_, i) => `line ${i}`);
    const text = formatLogBatch(lines, 3000);
    expect(text.length).toBeLessThanOrEqual(3000);
    expect(text.endsWith('line 9999')).toBe(true);
    const skipped = Number(/… (\d+) earlier lines skipped/.exec(text)?.[1]);
    expect(skipped + text.split('\n').length - 1).toBe(10_000);
  });
  it('cuts a single huge line to fit', () => {
    const text = formatLogBatch(['x'.repeat(50_000)], 2000);
    expect(text.length).toBeLessThanOrEqual(2000);
  });
});
