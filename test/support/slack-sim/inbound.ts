/**
 * Requests Slack sends to an app over HTTP, signed with the simulator's signing secret:
 * slash commands (form), block actions and view submissions (`payload=<JSON>` form), events
 * (JSON event_callback), ssl_check and url_verification.
 */
import type { SimContext } from './context.ts';
import {
  blockActionPayload,
  eventPayload,
  slashCommandPayload,
  VERIFICATION_TOKEN,
  type BlockActionInput,
  type SlashCommandInput,
} from './payloads.ts';
import { sendSigned } from './signing.ts';
import type { InboundResult, SignOptions, ViewSubmissionResult } from './types.ts';
import { readViewAck, viewSubmissionPayload, type ViewSubmissionInput } from './view-submission.ts';

const FORM = 'application/x-www-form-urlencoded';

/** An inbound result plus the response_url id the payload carried (if on the simulator). */
export type InboundWithResponse = InboundResult & { responseUrlId: string | undefined };

/** Options of `sendEvent`: a fixed event_id (to resend as a retry) plus signing options. */
export interface EventOptions extends SignOptions {
  eventId?: string;
  /** Adds `X-Slack-Retry-Num` / `X-Slack-Retry-Reason` (default reason `http_timeout`). */
  retryNum?: number;
  retryReason?: string;
}

/** POSTs a signed slash command. */
export async function sendSlashCommand(
  ctx: SimContext,
  url: string,
  input: SlashCommandInput = {},
  sign: SignOptions = {},
): Promise<InboundWithResponse> {
  const { fields, responseUrlId } = slashCommandPayload(ctx, input);
  const r = await sendSigned(ctx.config.signingSecret, url, new URLSearchParams(fields).toString(), FORM, sign);
  return { ...r, responseUrlId };
}

/** POSTs a signed block_actions payload for a button on a stored message; returns the click's action_ts too (to redeliver it). */
export async function sendBlockAction(
  ctx: SimContext,
  url: string,
  input: BlockActionInput,
  sign: SignOptions = {},
): Promise<InboundWithResponse & { actionTs: string }> {
  const { payload, responseUrlId } = blockActionPayload(ctx, input);
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  const r = await sendSigned(ctx.config.signingSecret, url, body, FORM, sign);
  return { ...r, responseUrlId, actionTs: String((payload.actions as Array<{ action_ts: string }>)[0]!.action_ts) };
}

/** POSTs a signed view_submission (form field `payload`) and reads the ack as Slack does (`result`). */
export async function sendViewSubmission(
  ctx: SimContext,
  url: string,
  input: ViewSubmissionInput,
  sign: SignOptions = {},
): Promise<InboundResult & { result: ViewSubmissionResult }> {
  const payload = viewSubmissionPayload(ctx, input);
  const r = await sendSigned(
    ctx.config.signingSecret,
    url,
    new URLSearchParams({ payload: JSON.stringify(payload) }).toString(),
    FORM,
    sign,
  );
  let body: unknown = r.body;
  try {
    if (r.body) body = JSON.parse(r.body);
  } catch {
    /* not JSON: readViewAck calls it a failure */
  }
  return { ...r, result: readViewAck(ctx, input.view_id, { status: r.status, body, ms: r.ms }) };
}

/** POSTs a signed JSON event_callback; returns the event_id used. */
export async function sendEvent(
  ctx: SimContext,
  url: string,
  event: Record<string, unknown>,
  opts: EventOptions = {},
): Promise<InboundResult & { eventId: string }> {
  const body = eventPayload(ctx, event, opts.eventId);
  const headers: Record<string, string | null> = { ...opts.headers };
  if (opts.retryNum !== undefined) {
    headers['x-slack-retry-num'] = String(opts.retryNum);
    headers['x-slack-retry-reason'] = opts.retryReason ?? 'http_timeout';
  }
  const r = await sendSigned(ctx.config.signingSecret, url, JSON.stringify(body), 'application/json', { ...opts, headers });
  return { ...r, eventId: String(body.event_id) };
}

/** POSTs `ssl_check=1&token=…` (signed unless `sign.headers` drops it). */
export function sslCheck(ctx: SimContext, url: string, sign: SignOptions = {}): Promise<InboundResult> {
  return sendSigned(ctx.config.signingSecret, url, `ssl_check=1&token=${VERIFICATION_TOKEN}`, FORM, sign);
}

/** POSTs a url_verification challenge; the app must echo `challenge`. */
export function urlVerification(ctx: SimContext, url: string, challenge: string, sign: SignOptions = {}): Promise<InboundResult> {
  const body = JSON.stringify({ token: VERIFICATION_TOKEN, challenge, type: 'url_verification' });
  return sendSigned(ctx.config.signingSecret, url, body, 'application/json', sign);
}
