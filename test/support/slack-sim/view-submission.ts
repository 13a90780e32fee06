/**
 * view_submission: what Slack sends when a user presses a modal's submit button, and how it
 * reads the app's answer. Slack's client checks the inputs before sending (a required input
 * left empty, a value outside min_length..max_length): such a submission throws here, as the
 * user could not have sent it. An empty optional input arrives as `value: null`, as Slack sends it.
 */
import { modalProblems } from './methods-views.ts';
import { issueTrigger, VERIFICATION_TOKEN } from './payloads.ts';
import type { SimContext } from './context.ts';
import type { StoredView, ViewSubmissionResult } from './types.ts';

/** A submission of a modal the app opened with views.open. */
export interface ViewSubmissionInput {
  view_id: string;
  /** What the user typed, by the input's action_id; an input left out is submitted empty. */
  values?: Record<string, string>;
  /** Default: the user the modal was opened for; anyone else throws (nobody else sees it). */
  user?: string;
}

/** How long Slack waits for the ack of a view_submission. */
export const VIEW_ACK_MS = 3000;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function openView(ctx: SimContext, id: string): StoredView {
  const stored = ctx.store.views.get(id);
  if (!stored) throw new Error(`slack-sim: no view ${id} was opened`);
  if (stored.state !== 'open') throw new Error(`slack-sim: view ${id} is closed; nobody can submit it`);
  return stored;
}

/** The view_submission payload (form field `payload` over HTTP, an `interactive` envelope over Socket Mode). */
export function viewSubmissionPayload(ctx: SimContext, input: ViewSubmissionInput): Obj {
  const stored = openView(ctx, input.view_id);
  const user = input.user ?? stored.user;
  if (user !== stored.user) throw new Error(`slack-sim: view ${stored.id} was opened for ${stored.user}; ${user} cannot submit it`);
  const given = input.values ?? {};
  const values: Record<string, Obj> = {};
  const known = new Set<string>();
  for (const block of stored.view.blocks as Obj[]) {
    if (block.type !== 'input') continue;
    const el = block.element as Obj;
    if (el.type !== 'plain_text_input')
      throw new Error(`slack-sim: only plain_text_input is simulated in submissions, not ${String(el.type)}`);
    const actionId = String(el.action_id);
    known.add(actionId);
    const value = given[actionId] ?? '';
    const label = (block.label as { text: string }).text;
    if (value === '' && block.optional !== true)
      throw new Error(`slack-sim: "${label}" is required; Slack does not submit the modal without it`);
    const min = typeof el.min_length === 'number' ? el.min_length : 0;
    const max = typeof el.max_length === 'number' ? el.max_length : 3000;
    if (value !== '' && (value.length < min || value.length > max))
      throw new Error(`slack-sim: "${label}" takes ${min}..${max} characters; Slack does not submit ${value.length}`);
    values[String(block.block_id)] = { [actionId]: { type: 'plain_text_input', value: value === '' ? null : value } };
  }
  for (const k of Object.keys(given)) if (!known.has(k)) throw new Error(`slack-sim: view ${stored.id} has no input "${k}"`);
  stored.submissions += 1;
  const c = ctx.config;
  const name = ctx.store.users.get(user) ?? 'someone';
  return {
    type: 'view_submission',
    team: { id: c.teamId, domain: c.teamDomain },
    user: { id: user, username: name, name, team_id: c.teamId },
    api_app_id: c.apiAppId,
    token: VERIFICATION_TOKEN,
    trigger_id: issueTrigger(ctx, user),
    view: { ...stored.view, state: { values } },
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
  };
}

/**
 * Reads the app's ack of a submission as Slack does, and moves the view: an empty ack or
 * `clear` closes it; `errors` (keyed by input block_ids) keeps it open with the messages;
 * `update` replaces it (checked like views.open); anything else, a status other than 200 or an
 * ack after 3 s is a failure the user sees as an error in the still-open modal.
 */
export function readViewAck(ctx: SimContext, viewId: string, ack: { status: number; body: unknown; ms: number }): ViewSubmissionResult {
  const stored = ctx.store.views.get(viewId);
  const result = (outcome: ViewSubmissionResult['outcome'], problem?: string): ViewSubmissionResult => ({
    outcome,
    body: ack.body,
    ms: ack.ms,
    ...(problem ? { problem } : {}),
  });
  if (!stored) return result('failed', 'unknown view');
  if (ack.status !== 200) return result('failed', `HTTP ${ack.status}`);
  if (ack.ms > VIEW_ACK_MS) return result('failed', 'timeout');
  const body = ack.body;
  const close = () => {
    stored.state = 'closed';
    return result('closed');
  };
  if (body === undefined || body === '' || (isObj(body) && Object.keys(body).length === 0)) return close();
  if (!isObj(body)) return result('failed', 'not JSON');
  if (body.response_action === 'clear') return close();
  if (body.response_action === 'errors') {
    const inputs = new Set((stored.view.blocks as Obj[]).filter((b) => b.type === 'input').map((b) => b.block_id));
    const errors = body.errors;
    if (!isObj(errors) || Object.keys(errors).length === 0 || !Object.keys(errors).every((k) => inputs.has(k)))
      return result('failed', 'errors must name input block_ids');
    return result('errors');
  }
  if (body.response_action === 'update') {
    const problems = modalProblems(body.view);
    if (problems.length) return result('failed', problems.join('; '));
    stored.view = { ...stored.view, ...(body.view as Obj) };
    return result('updated');
  }
  return result('failed', `response_action ${JSON.stringify(body.response_action)} is not simulated or not valid`);
}
