import type { APIEmbed } from 'discord-api-types/v10';
import { apiError, ErrorCode, ErrorCollector } from './errors.ts';
import type { UploadedFile } from './http-io.ts';
import { validateComponents } from './validate-components.ts';

/** The message fields the simulator keeps after validation. */
export interface MessageInput {
  content?: string;
  embeds?: APIEmbed[];
  components?: unknown[];
  flags?: number;
  /** `attachments` as sent: ids are indexes of new files or ids of kept attachments. */
  attachments?: Array<{ id: string; filename?: string; description?: string }>;
  tts?: boolean;
  /** A reply's reference (type 0); `failIfNotExists` false sends it as a plain message when the target is gone. */
  messageReference?: { messageId: string; channelId?: string; failIfNotExists: boolean };
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Validates a create/edit message body like Discord: content ≤2,000; ≤10 embeds with title
 * ≤256, description ≤4,096, ≤25 fields (name ≤256, value ≤1,024), footer ≤2,048, author ≤256
 * and ≤6,000 characters in all; ≤10 files; components (see `validateComponents`); a reply's
 * `message_reference` (its target is checked when the message is created).
 * Throws 400 50035 with an `errors` tree. Emptiness is checked by `assertNotEmpty`.
 */
export function validateMessageBody(body: unknown, files: UploadedFile[]): MessageInput {
  const errs = new ErrorCollector();
  if (body === undefined) body = {};
  if (!isObj(body)) {
    errs.add([], 'DICT_TYPE_CONVERT', 'Only dictionaries may be used in a DictType');
    errs.throwIfAny();
    return {};
  }
  const out: MessageInput = {};
  if (body.content !== undefined && body.content !== null) {
    if (typeof body.content !== 'string') errs.add(['content'], 'BASE_TYPE_STRING', 'Must be a string.');
    else if (body.content.length > 2000) errs.add(['content'], 'BASE_TYPE_MAX_LENGTH', 'Must be 2000 or fewer in length.');
    else out.content = body.content;
  }
  if (body.embeds !== undefined && body.embeds !== null) {
    if (!Array.isArray(body.embeds)) errs.add(['embeds'], 'BASE_TYPE_LIST', 'Must be a list.');
    else {
      if (body.embeds.length > 10) errs.add(['embeds'], 'BASE_TYPE_MAX_LENGTH', 'Must be 10 or fewer in length.');
      let total = 0;
      body.embeds.forEach((e: unknown, i) => (total += checkEmbed(e, errs, i)));
      if (total > 6000) errs.add(['embeds'], 'MAX_EMBED_SIZE_EXCEEDED', 'Embed size exceeds maximum size of 6000');
      out.embeds = body.embeds as APIEmbed[];
    }
  }
  if (body.components !== undefined && body.components !== null) {
    validateComponents(body.components, errs, ['components']);
    if (Array.isArray(body.components)) out.components = body.components;
  }
  if (files.length > 10) errs.add(['files'], 'BASE_TYPE_MAX_LENGTH', 'Must be 10 or fewer in length.');
  if (Array.isArray(body.attachments)) {
    out.attachments = body.attachments.filter(isObj).map((a) => ({
      id: String(a.id),
      ...(typeof a.filename === 'string' ? { filename: a.filename } : {}),
      ...(typeof a.description === 'string' ? { description: a.description } : {}),
    }));
  }
  if (body.message_reference !== undefined && body.message_reference !== null) {
    const ref = body.message_reference;
    if (!isObj(ref) || typeof ref.message_id !== 'string' || !/^\d{1,20}$/.test(ref.message_id))
      errs.add(['message_reference', 'message_id'], 'BASE_TYPE_REQUIRED', 'This field is required');
    else if (ref.type !== undefined && ref.type !== 0)
      errs.add(['message_reference', 'type'], 'BASE_TYPE_CHOICES', 'Only replies (type 0) are simulated.');
    else
      out.messageReference = {
        messageId: ref.message_id,
        ...(typeof ref.channel_id === 'string' ? { channelId: ref.channel_id } : {}),
        failIfNotExists: ref.fail_if_not_exists !== false,
      };
  }
  if (typeof body.flags === 'number') out.flags = body.flags;
  if (typeof body.tts === 'boolean') out.tts = body.tts;
  errs.throwIfAny();
  return out;
}

/** Length-checks one embed; returns its character count toward the 6,000 total. */
function checkEmbed(e: unknown, errs: ErrorCollector, i: number): number {
  if (!isObj(e)) {
    errs.add(['embeds', i], 'DICT_TYPE_CONVERT', 'Only dictionaries may be used in a DictType');
    return 0;
  }
  let total = 0;
  const str = (v: unknown, max: number, path: Array<string | number>): void => {
    if (v === undefined || v === null) return;
    if (typeof v !== 'string') return errs.add(['embeds', i, ...path], 'BASE_TYPE_STRING', 'Must be a string.');
    total += v.length;
    if (v.length > max) errs.add(['embeds', i, ...path], 'BASE_TYPE_MAX_LENGTH', `Must be ${max} or fewer in length.`);
  };
  str(e.title, 256, ['title']);
  str(e.description, 4096, ['description']);
  if (isObj(e.footer)) str(e.footer.text, 2048, ['footer', 'text']);
  if (isObj(e.author)) str(e.author.name, 256, ['author', 'name']);
  if (e.fields !== undefined) {
    if (!Array.isArray(e.fields)) errs.add(['embeds', i, 'fields'], 'BASE_TYPE_LIST', 'Must be a list.');
    else {
      if (e.fields.length > 25) errs.add(['embeds', i, 'fields'], 'BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.');
      e.fields.forEach((f: unknown, j) => {
        const fo = isObj(f) ? f : {};
        for (const [key, max] of [
          ['name', 256],
          ['value', 1024],
        ] as const) {
          const v = fo[key];
          if (typeof v !== 'string' || v.length === 0)
            errs.add(['embeds', i, 'fields', j, key], 'BASE_TYPE_REQUIRED', 'This field is required');
          else str(v, max, ['fields', j, key]);
        }
      });
    }
  }
  return total;
}

/** 50006 "Cannot send an empty message" unless there is content, an embed, a file or a component. */
export function assertNotEmpty(m: { content?: string; embeds?: unknown[]; components?: unknown[]; attachmentCount: number }): void {
  const hasContent = typeof m.content === 'string' && m.content.trim().length > 0;
  if (!hasContent && !m.embeds?.length && !m.components?.length && m.attachmentCount === 0) {
    throw apiError(400, ErrorCode.EmptyMessage, 'Cannot send an empty message');
  }
}
