/**
 * views.open: a modal for the user a trigger_id was issued to. Slack's checks: the trigger_id
 * is one Slack issued (`invalid_trigger_id`), at most 3 s old (`expired_trigger_id`) and not
 * used before (`exchanged_trigger_id`); the view is a modal within the documented limits
 * (`invalid_arguments` with `[ERROR] … [json-pointer:/view/…]` lines, as Slack answers).
 */
import { randomBytes } from 'node:crypto';
import { checkBlocks } from './blocks.ts';
import { fail, invalidArguments, type MethodDef } from './context.ts';
import { str } from './http-util.ts';

/** How long a trigger_id can be exchanged for a modal (Slack: 3 s). */
export const TRIGGER_LIFETIME_MS = 3000;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A plain_text object of 1..max characters at `ptr`; problems are pushed. */
function plainText(v: unknown, max: number, ptr: string, problems: string[]): void {
  if (!isObj(v) || v.type !== 'plain_text') problems.push(`must be a plain_text object [json-pointer:${ptr}]`);
  else if (typeof v.text !== 'string' || v.text.length === 0) problems.push(`must be more than 0 characters [json-pointer:${ptr}/text]`);
  else if (v.text.length > max) problems.push(`must be less than ${max + 1} characters [json-pointer:${ptr}/text]`);
}

/** Every problem Slack would name in a modal view object, as `[ERROR]` detail strings. */
export function modalProblems(view: unknown): string[] {
  if (!isObj(view)) return ['must provide an object [json-pointer:/view]'];
  const problems: string[] = [];
  if (view.type !== 'modal') problems.push('must be "modal" for views.open [json-pointer:/view/type]');
  plainText(view.title, 24, '/view/title', problems);
  if (view.close !== undefined) plainText(view.close, 24, '/view/close', problems);
  const blocks = checkBlocks(view.blocks ?? [], { max: 100, pointer: '/view/blocks' });
  if (!blocks.ok) problems.push(...blocks.errors);
  const hasInput = Array.isArray(view.blocks) && view.blocks.some((b) => isObj(b) && b.type === 'input');
  if (view.submit !== undefined) plainText(view.submit, 24, '/view/submit', problems);
  else if (hasInput) problems.push('must provide submit when blocks contain an input block [json-pointer:/view/submit]');
  for (const [field, max] of [
    ['private_metadata', 3000],
    ['callback_id', 255],
    ['external_id', 255],
  ] as const) {
    const v = view[field];
    if (v !== undefined && typeof v !== 'string') problems.push(`must be a string [json-pointer:/view/${field}]`);
    else if (typeof v === 'string' && v.length > max)
      problems.push(`must be less than ${max + 1} characters [json-pointer:/view/${field}]`);
  }
  for (const flag of ['clear_on_close', 'notify_on_close', 'submit_disabled'])
    if (view[flag] !== undefined && typeof view[flag] !== 'boolean') problems.push(`must be a boolean [json-pointer:/view/${flag}]`);
  return problems;
}

const viewsOpen: MethodDef = {
  token: 'bot',
  handle(ctx, args) {
    const trigger = str(args.trigger_id);
    if (!trigger) return invalidArguments('missing required field: trigger_id');
    let view: unknown = args.view;
    if (typeof view === 'string') {
      try {
        view = JSON.parse(view);
      } catch {
        return invalidArguments('invalid JSON [json-pointer:/view]');
      }
    }
    const issued = ctx.store.triggers.get(trigger);
    if (!issued) return fail('invalid_trigger_id');
    if (issued.used) return fail('exchanged_trigger_id');
    if (Date.now() - issued.issuedAt > TRIGGER_LIFETIME_MS) return fail('expired_trigger_id');
    const problems = modalProblems(view);
    if (problems.length) return invalidArguments(...problems);
    issued.used = true;
    const v = view as Obj;
    const id = ctx.store.nextId('V');
    // Like Slack, a block sent without a block_id gets one of its own (view_submission state is keyed by it).
    const blocks = ((v.blocks ?? []) as Obj[]).map((b) =>
      b.block_id === undefined ? { ...b, block_id: randomBytes(3).toString('base64url') } : b,
    );
    const stored = {
      id,
      team_id: ctx.config.teamId,
      type: 'modal',
      blocks,
      private_metadata: v.private_metadata ?? '',
      callback_id: v.callback_id ?? '',
      state: { values: {} },
      hash: `${Math.floor(Date.now() / 1000)}.${randomBytes(4).toString('hex')}`,
      title: v.title,
      clear_on_close: v.clear_on_close ?? false,
      notify_on_close: v.notify_on_close ?? false,
      close: v.close ?? null,
      submit: v.submit ?? null,
      previous_view_id: null,
      root_view_id: id,
      app_id: ctx.config.apiAppId,
      external_id: v.external_id ?? '',
      app_installed_team_id: ctx.config.teamId,
      bot_id: ctx.config.botId,
    };
    ctx.store.views.set(id, { id, user: issued.user, view: stored, openedAt: Date.now(), state: 'open', submissions: 0 });
    return { ok: true, view: stored };
  },
};

/** The views.* method table. */
export const viewMethods: Record<string, MethodDef> = { 'views.open': viewsOpen };
