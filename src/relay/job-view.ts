import type { JobData, Reply, ReplyStep } from '../core/types.ts';
import { ALERT_KIND } from '../alerts/incident-message.ts';
import { APPROVAL_KIND, renderPendingApproval } from '../approvals/approval-message.ts';
import { utcSecond } from '../dispatch/utc-minute.ts';
import type { JobEvent, JobOutcome } from '../jobs/job-event.ts';

/** Everything the parent message shows, folded from the job's events. Pure. */
export interface JobView {
  job: JobData;
  phase: 'queued' | 'running' | JobOutcome;
  steps: ReplyStep[];
  startedAt?: string;
  stepStarted: Record<string, string>;
  notes: string[];
  result?: Extract<JobEvent, { type: 'done' }>['result'];
  lines: number;
}

const STEP_VERB: Record<string, string> = { build: 'building', deploy: 'deploying' };

export function initialView(job: JobData): JobView {
  return { job, phase: 'queued', steps: [], stepStarted: {}, notes: [], lines: 0 };
}

export function applyEvent(view: JobView, event: JobEvent): JobView {
  switch (event.type) {
    case 'queued':
      return view;
    case 'started':
      return {
        ...view,
        phase: 'running',
        startedAt: view.startedAt ?? event.at,
        notes: event.attempt > 1 ? [...view.notes, `attempt ${event.attempt}`] : view.notes,
      };
    case 'log':
      return { ...view, lines: view.lines + 1 };
    case 'step': {
      const ms =
        event.state !== 'running' && view.stepStarted[event.step]
          ? Date.parse(event.at) - Date.parse(view.stepStarted[event.step]!)
          : undefined;
      const steps = view.steps.some((s) => s.name === event.step)
        ? view.steps.map((s) => (s.name === event.step ? { name: s.name, state: event.state, ...(ms !== undefined ? { ms } : {}) } : s))
        : [...view.steps, { name: event.step, state: event.state }];
      const stepStarted = event.state === 'running' ? { ...view.stepStarted, [event.step]: event.at } : view.stepStarted;
      return { ...view, phase: view.phase === 'queued' ? 'running' : view.phase, steps, stepStarted };
    }
    case 'done': {
      const steps = view.steps.map((s) =>
        s.state === 'running' ? { ...s, state: event.outcome === 'succeeded' ? ('done' as const) : ('failed' as const) } : s,
      );
      return { ...view, phase: event.outcome, steps, result: event.result };
    }
  }
}

export const isFinished = (view: JobView) => view.phase === 'succeeded' || view.phase === 'failed' || view.phase === 'cancelled';

/** The parent message for the current view: title moves queued → building → deploying → the result. */
export function renderParent(view: JobView): Reply {
  const { job } = view;
  const running = view.steps.find((s) => s.state === 'running');
  const who = {
    label: 'requested by',
    value: job.approvedBy ? `${job.requestedBy.name}, approved by ${job.approvedBy.name}` : job.requestedBy.name,
  };
  if (isFinished(view) && view.result) {
    return {
      title: view.result.title,
      status:
        view.phase === 'succeeded'
          ? view.result.attention
            ? 'attention'
            : 'succeeded'
          : view.phase === 'cancelled'
            ? 'cancelled'
            : 'failed',
      text: view.result.text,
      fields: [...(view.result.fields ?? []), who],
      code: view.result.code,
      steps: view.steps,
      ...(view.result.goesOn ? { goesOn: true as const } : {}),
    };
  }
  if (job.kind === APPROVAL_KIND) return renderPendingApproval(job);
  // An alert is not a job: nothing to cancel while its incident is open. A burst's end is not
  // cancelled either (dispatch/actions.ts says why and what to type instead).
  const buttons =
    job.kind === ALERT_KIND || typeof job.args.burstOf === 'string'
      ? []
      : [{ id: 'cancel', label: 'Cancel', style: 'danger' as const, value: job.id }];
  // A delayed job (a burst's scale-back) says when it runs until a worker starts it, or until
  // something is written to its thread (it was let run early: systemJobs.runNow says why).
  const scheduled = view.phase === 'queued' && job.runAt !== undefined && view.lines === 0;
  const phase = scheduled
    ? `scheduled for ${utcSecond(job.runAt!)}`
    : view.phase === 'queued'
      ? 'queued'
      : running
        ? (STEP_VERB[running.name] ?? running.name)
        : 'running';
  return {
    title: `${job.command}: ${phase}`,
    ...(scheduled ? { scheduledFor: job.runAt } : {}),
    status: view.phase === 'queued' ? 'queued' : 'running',
    text: view.notes.length ? view.notes.join('; ') : undefined,
    fields: [who, { label: 'job', value: job.id }],
    steps: view.steps,
    ...(buttons.length > 0 ? { buttons } : {}),
    // An approved job runs in its request's thread, which its request kept open for it.
    ...(job.approvedBy ? { continuesThread: true as const } : {}),
  };
}
