/**
 * File uploads the way Slack does them now: files.getUploadURLExternal → POST the bytes to
 * the returned upload_url (multipart or raw) → files.completeUploadExternal, which checks the
 * upload happened with the announced length and shares the file (in a thread if asked).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { checkBlocks } from './blocks.ts';
import { fail, invalidArguments, invalidBlocks, isTs, resolveChannel, type MethodDef, type SimContext } from './context.ts';
import { parseBody, readBody, str } from './http-util.ts';
import type { StoredFile } from './types.ts';

/** Largest file the simulator accepts (Slack allows 1 GB; tests need far less). */
export const MAX_FILE_BYTES = 50 * 1024 * 1024;

const getUploadURLExternal: MethodDef = {
  token: 'bot',
  handle(ctx, args) {
    const missing = ['filename', 'length'].filter((k) => str(args[k]) === undefined);
    if (missing.length) return invalidArguments(...missing.map((k) => `missing required field: ${k}`));
    const length = Number(args.length);
    if (!Number.isInteger(length) || length < 1 || length > MAX_FILE_BYTES) {
      return invalidArguments(`invalid value for length: ${String(args.length)}`);
    }
    const id = ctx.store.nextId('F');
    const filename = String(args.filename);
    ctx.store.files.set(id, {
      id,
      filename,
      title: filename,
      length,
      content: undefined,
      uploadedAt: undefined,
      channel: undefined,
      threadTs: undefined,
      initialComment: undefined,
      messageTs: undefined,
    });
    return { ok: true, upload_url: `${ctx.baseUrl}/upload/${id}`, file_id: id };
  },
};

/** Parses the `files` argument: `[{id, title?}]` as JSON string or array. */
function parseFilesArg(v: unknown): Array<{ id: string; title?: string }> | undefined {
  try {
    const a: unknown = typeof v === 'string' ? JSON.parse(v) : v;
    if (!Array.isArray(a) || a.length === 0) return undefined;
    const out: Array<{ id: string; title?: string }> = [];
    for (const f of a) {
      if (typeof f !== 'object' || f === null || typeof (f as { id?: unknown }).id !== 'string') return undefined;
      const { id, title } = f as { id: string; title?: unknown };
      out.push(typeof title === 'string' ? { id, title } : { id });
    }
    return out;
  } catch {
    return undefined;
  }
}

function fileJson(f: StoredFile): Record<string, unknown> {
  return {
    id: f.id,
    name: f.filename,
    title: f.title,
    size: f.length,
    mimetype: 'text/plain',
    ...(f.channel ? { channels: [f.channel] } : {}),
  };
}

const completeUploadExternal: MethodDef = {
  token: 'bot',
  handle(ctx, args) {
    const files = parseFilesArg(args.files);
    if (!files) return invalidArguments('missing or invalid required field: files (JSON array of {id, title})');
    let channel: string | undefined;
    const chanArg = args.channel_id ?? (typeof args.channels === 'string' ? args.channels.split(',')[0] : undefined);
    if (chanArg !== undefined && chanArg !== '') {
      channel = resolveChannel(ctx, chanArg);
      if (!channel) return fail('channel_not_found');
    }
    let threadTs: string | undefined;
    if (args.thread_ts !== undefined && args.thread_ts !== '') {
      if (!channel) return invalidArguments('thread_ts requires channel_id');
      if (!isTs(args.thread_ts)) return invalidArguments(`invalid value for thread_ts: ${String(args.thread_ts)}`);
      const parent = ctx.store.message(channel, args.thread_ts);
      if (!parent || parent.threadTs !== undefined) return fail('thread_not_found');
      threadTs = args.thread_ts;
    }
    const stored: StoredFile[] = [];
    for (const f of files) {
      const s = ctx.store.files.get(f.id);
      if (!s || s.content === undefined) return fail('file_not_found', { file_id: f.id });
      if (s.messageTs !== undefined || s.channel !== undefined) return invalidArguments(`file already completed: ${f.id}`);
      if (s.content.length !== s.length) {
        return invalidArguments(`file ${f.id}: uploaded ${s.content.length} bytes but length was ${s.length}`);
      }
      stored.push(s);
    }
    const blocks = checkBlocks(args.blocks);
    if (!blocks.ok) return invalidBlocks(blocks.errors);
    const comment = str(args.initial_comment);
    for (const [i, s] of stored.entries()) s.title = files[i]?.title ?? s.filename;
    if (channel) {
      const m = ctx.store.addMessage({
        channel,
        threadTs,
        text: comment ?? '',
        blocks: comment ? undefined : blocks.blocks,
        attachments: undefined,
        user: ctx.config.botUserId,
        botId: ctx.config.botId,
        replyBroadcast: false,
        fileIds: stored.map((s) => s.id),
      });
      for (const s of stored) Object.assign(s, { channel, threadTs, initialComment: comment, messageTs: m.ts });
    }
    return { ok: true, files: stored.map(fileJson) };
  },
};

/** The files.* method table. */
export const fileMethods: Record<string, MethodDef> = {
  'files.getUploadURLExternal': getUploadURLExternal,
  'files.completeUploadExternal': completeUploadExternal,
};

/**
 * Handles `POST /upload/:fileId`: stores the bytes (the first file part of a multipart body,
 * else its first field, else the raw body). Answers 200 `OK - <bytes>` like Slack, 404 for an
 * unknown id, 413 when larger than the announced length allows.
 */
export async function handleUpload(ctx: SimContext, id: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const file = ctx.store.files.get(id);
  if (req.method !== 'POST' || !file) {
    res.writeHead(req.method !== 'POST' ? 405 : 404, { 'content-type': 'text/plain' }).end('not found');
    return;
  }
  const raw = await readBody(req);
  const ct = req.headers['content-type'];
  let data = raw;
  if (ct?.toLowerCase().startsWith('multipart/form-data')) {
    const parsed = await parseBody(raw, ct);
    if (parsed.malformed) {
      res.writeHead(400, { 'content-type': 'text/plain' }).end(parsed.malformed);
      return;
    }
    const first = parsed.files[0]?.data ?? Object.values(parsed.fields).find((v) => typeof v === 'string');
    data = typeof first === 'string' ? Buffer.from(first) : (first ?? Buffer.alloc(0));
  }
  if (data.length > MAX_FILE_BYTES) {
    res.writeHead(413, { 'content-type': 'text/plain' }).end('too large');
    return;
  }
  file.content = data;
  file.uploadedAt = Date.now();
  res.writeHead(200, { 'content-type': 'text/plain' }).end(`OK - ${data.length}`);
}
