import type { JobData, ThreadRef } from '../core/types.ts';
import type { JobEvent } from '../jobs/job-event.ts';
import { doneEvent } from '../store/job-done.ts';
import type { IncidentKind } from './incident-store.ts';

/** The job-store kind of an incident's message: relayed like a job's parent, never queued. */
export const ALERT_KIND = 'alert';

export const KIND_LABEL: Record<IncidentKind, string> = {
  oom: 'OOM kill',
  'crash-loop': 'crash loop',
  unhealthy: 'unhealthy',
  replicas: 'missing replicas',
};

/** "45 s", "4 min", "2 h 5 min" */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const min = Math.round(s / 60);
  if (min < 60) return `${min} min`;
  return `${Math.floor(min / 60)} h${min % 60 ? ` ${min % 60} min` : ''}`;
}

const clock = (iso: string) => iso.slice(11, 19);

/**
 * The step an incident's message shows now: its summary and when it was seen (the relay titles
 * a running record with its running step; the time keeps each step's name its own).
 */
export const incidentStep = (summary: string, at: string) => `${summary} (${clock(at)} UTC)`;

/** The record of an incident's message, by the system (`voxoz (alerts)`) in the app's alert channel. */
export function incidentMessage(id: string, kind: IncidentKind, app: string, env: string, thread: ThreadRef, at: string): JobData {
  return {
    id,
    kind: ALERT_KIND,
    command: `alert: ${app}/${env} ${KIND_LABEL[kind]}`,
    app,
    env,
    args: { incident: kind },
    requestedBy: { id: 'system:alerts', name: 'voxoz (alerts)' },
    thread,
    requestedAt: at,
  };
}

/** The events that post it, confirmed and started at once (never taken for lost), showing `step`. */
export const openingEvents = (at: string, step: string): JobEvent[] => [
  { type: 'queued', at },
  { type: 'started', at, attempt: 1, worker: 'alerts' },
  { type: 'step', at, step, state: 'running' },
];

/** The events of a change: the step shown so far is done, the new one is shown. */
export const changeEvents = (at: string, previous: string, step: string): JobEvent[] => [
  { type: 'step', at, step: previous, state: 'done' },
  { type: 'step', at, step, state: 'running' },
];

/** The final edit: recovered, after how long, and how it stands. */
export function recoveredEvent(
  kind: IncidentKind,
  app: string,
  env: string,
  openedAt: string,
  at: string,
  lastSummary: string,
  now: string,
) {
  const after = formatDuration(Date.parse(at) - Date.parse(openedAt));
  return doneEvent(at, 'succeeded', {
    title: `${app}/${env} ${KIND_LABEL[kind]}: recovered after ${after}`,
    text: `Opened at ${clock(openedAt)} UTC (${lastSummary}); recovered at ${clock(at)} UTC: ${now}.`,
    fields: [{ label: 'incident', value: `${KIND_LABEL[kind]}, ${after}` }],
  });
}
