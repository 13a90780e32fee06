/**
 * Block Kit validation as Slack applies it to messages: block count, known block and element
 * types, and the documented length limits. Problems come back as Slack-style strings
 * (`must be less than 151 characters [json-pointer:/blocks/0/text/text]`).
 */

const BLOCK_TYPES = new Set([
  'section',
  'header',
  'actions',
  'context',
  'divider',
  'image',
  'markdown',
  'rich_text',
  'input',
  'file',
  'video',
]);
const ELEMENT_TYPES = new Set([
  'button',
  'static_select',
  'external_select',
  'users_select',
  'conversations_select',
  'channels_select',
  'multi_static_select',
  'multi_users_select',
  'multi_conversations_select',
  'multi_channels_select',
  'overflow',
  'datepicker',
  'timepicker',
  'datetimepicker',
  'checkboxes',
  'radio_buttons',
  'image',
  'plain_text_input',
  'email_text_input',
  'url_text_input',
  'number_input',
  'workflow_button',
]);

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

class Checker {
  readonly errors: string[] = [];
  fail(msg: string, ptr: string): void {
    if (this.errors.length < 20) this.errors.push(`${msg} [json-pointer:${ptr}]`);
  }
  maxLen(v: unknown, max: number, ptr: string): void {
    if (typeof v === 'string' && v.length > max) this.fail(`must be less than ${max + 1} characters`, ptr);
  }
  /** A text object; `plainOnly` for places that take plain_text only. */
  text(v: unknown, max: number, ptr: string, plainOnly = false): void {
    if (!isObj(v)) return this.fail('must provide an object', ptr);
    if (v.type !== 'plain_text' && (plainOnly || v.type !== 'mrkdwn')) {
      return this.fail(plainOnly ? 'must be plain_text' : 'must be one of plain_text, mrkdwn', `${ptr}/type`);
    }
    if (typeof v.text !== 'string' || v.text.length === 0) return this.fail('must be more than 0 characters', `${ptr}/text`);
    this.maxLen(v.text, max, `${ptr}/text`);
  }
  element(v: unknown, ptr: string): void {
    if (!isObj(v)) return this.fail('must provide an object', ptr);
    if (typeof v.type !== 'string' || !ELEMENT_TYPES.has(v.type)) return this.fail('unsupported type', `${ptr}/type`);
    this.maxLen(v.action_id, 255, `${ptr}/action_id`);
    if (v.type === 'image') {
      if (typeof v.image_url !== 'string') this.fail('must provide a string', `${ptr}/image_url`);
      if (typeof v.alt_text !== 'string') this.fail('must provide a string', `${ptr}/alt_text`);
      return;
    }
    if (v.type === 'plain_text_input') return this.textInput(v, ptr);
    if (v.type === 'button' || v.type === 'workflow_button') {
      this.text(v.text, 75, `${ptr}/text`, true);
      this.maxLen(v.value, 2000, `${ptr}/value`);
      this.maxLen(v.url, 3000, `${ptr}/url`);
      if (v.style !== undefined && v.style !== 'primary' && v.style !== 'danger') {
        this.fail('must be one of primary, danger', `${ptr}/style`);
      }
    }
  }
  /** plain_text_input: placeholder ≤ 150, min_length 0..3000, max_length 1..3000, min ≤ max, initial_value within max. */
  textInput(v: Obj, ptr: string): void {
    if (v.placeholder !== undefined) this.text(v.placeholder, 150, `${ptr}/placeholder`, true);
    const { min_length: min, max_length: max, initial_value: initial } = v;
    const int = (n: unknown, lo: number): n is number => typeof n === 'number' && Number.isInteger(n) && n >= lo && n <= 3000;
    if (min !== undefined && !int(min, 0)) this.fail('must be an integer between 0 and 3000', `${ptr}/min_length`);
    if (max !== undefined && !int(max, 1)) this.fail('must be an integer between 1 and 3000', `${ptr}/max_length`);
    if (int(min, 0) && int(max, 1) && min > max) this.fail('min_length must be less than or equal to max_length', `${ptr}/min_length`);
    if (initial !== undefined && typeof initial !== 'string') this.fail('must be a string', `${ptr}/initial_value`);
    else if (typeof initial === 'string' && initial.length > (int(max, 1) ? max : 3000))
      this.fail('must be no longer than max_length', `${ptr}/initial_value`);
    if (v.multiline !== undefined && typeof v.multiline !== 'boolean') this.fail('must be a boolean', `${ptr}/multiline`);
  }
  block(b: unknown, ptr: string, ids: Set<string>): void {
    if (!isObj(b)) return this.fail('must provide an object', ptr);
    if (typeof b.type !== 'string' || !BLOCK_TYPES.has(b.type)) return this.fail('unsupported type', `${ptr}/type`);
    if (b.block_id !== undefined) {
      if (typeof b.block_id !== 'string') this.fail('must be a string', `${ptr}/block_id`);
      else if (ids.has(b.block_id)) this.fail('duplicate block_id', `${ptr}/block_id`);
      else ids.add(b.block_id);
      this.maxLen(b.block_id, 255, `${ptr}/block_id`);
    }
    switch (b.type) {
      case 'section': {
        if (b.text === undefined && b.fields === undefined) this.fail('must provide text or fields', ptr);
        if (b.text !== undefined) this.text(b.text, 3000, `${ptr}/text`);
        if (b.fields !== undefined) {
          if (!Array.isArray(b.fields) || b.fields.length > 10) this.fail('must be an array of at most 10 items', `${ptr}/fields`);
          else b.fields.forEach((f, i) => this.text(f, 2000, `${ptr}/fields/${i}`));
        }
        if (b.accessory !== undefined) this.element(b.accessory, `${ptr}/accessory`);
        return;
      }
      case 'header':
        return this.text(b.text, 150, `${ptr}/text`, true);
      case 'actions':
        if (!Array.isArray(b.elements) || b.elements.length === 0 || b.elements.length > 25) {
          return this.fail('must be an array of 1 to 25 items', `${ptr}/elements`);
        }
        return b.elements.forEach((e, i) => this.element(e, `${ptr}/elements/${i}`));
      case 'context':
        if (!Array.isArray(b.elements) || b.elements.length === 0 || b.elements.length > 10) {
          return this.fail('must be an array of 1 to 10 items', `${ptr}/elements`);
        }
        return b.elements.forEach((e, i) => {
          if (isObj(e) && e.type === 'image') this.element(e, `${ptr}/elements/${i}`);
          else this.text(e, 3000, `${ptr}/elements/${i}`);
        });
      case 'image':
        if (typeof b.image_url !== 'string' && !isObj(b.slack_file)) this.fail('must provide a string', `${ptr}/image_url`);
        this.maxLen(b.image_url, 3000, `${ptr}/image_url`);
        if (typeof b.alt_text !== 'string') this.fail('must provide a string', `${ptr}/alt_text`);
        this.maxLen(b.alt_text, 2000, `${ptr}/alt_text`);
        return;
      case 'markdown':
        if (typeof b.text !== 'string') return this.fail('must provide a string', `${ptr}/text`);
        return this.maxLen(b.text, 12000, `${ptr}/text`);
      case 'rich_text':
        if (!Array.isArray(b.elements)) this.fail('must provide an array', `${ptr}/elements`);
        return;
      case 'input':
        this.text(b.label, 2000, `${ptr}/label`, true);
        if (b.hint !== undefined) this.text(b.hint, 2000, `${ptr}/hint`, true);
        if (b.optional !== undefined && typeof b.optional !== 'boolean') this.fail('must be a boolean', `${ptr}/optional`);
        if (!isObj(b.element)) this.fail('must provide an object', `${ptr}/element`);
        else if (
          b.element.type === 'button' ||
          b.element.type === 'overflow' ||
          b.element.type === 'image' ||
          b.element.type === 'workflow_button'
        )
          this.fail('is not an input element', `${ptr}/element/type`);
        else this.element(b.element, `${ptr}/element`);
        return;
      default:
        return;
    }
  }
}

/** Result of block validation: parsed blocks, or Slack-style error strings. */
export type BlocksCheck = { ok: true; blocks: unknown[] | undefined } | { ok: false; errors: string[] };

/**
 * Validates a `blocks` argument (a JSON string from a form, or an array from a JSON body).
 * Undefined or empty string means "no blocks". Messages take 50 blocks, modals 100 (`max`);
 * `pointer` is where the blocks sit in the request (`/view/blocks` for a view).
 */
export function checkBlocks(raw: unknown, opts: { max?: number; pointer?: string } = {}): BlocksCheck {
  const max = opts.max ?? 50;
  const at = opts.pointer ?? '/blocks';
  if (raw === undefined || raw === '') return { ok: true, blocks: undefined };
  let v = raw;
  if (typeof raw === 'string') {
    try {
      v = JSON.parse(raw);
    } catch {
      return { ok: false, errors: [`invalid JSON [json-pointer:${at}]`] };
    }
  }
  if (!Array.isArray(v)) return { ok: false, errors: [`must provide an array [json-pointer:${at}]`] };
  if (v.length > max) return { ok: false, errors: [`no more than ${max} items allowed [json-pointer:${at}]`] };
  const c = new Checker();
  const ids = new Set<string>();
  v.forEach((b, i) => c.block(b, `${at}/${i}`, ids));
  return c.errors.length ? { ok: false, errors: c.errors } : { ok: true, blocks: v };
}
