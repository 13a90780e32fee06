/**
 * HTTP helpers of the Slack simulator: body reading and parsing (form, JSON, multipart)
 * and JSON answers.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Largest request body the simulator accepts (bytes). */
export const MAX_BODY_BYTES = 64 * 1024 * 1024;

/** Reads a whole request body, refusing more than MAX_BODY_BYTES. */
export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY_BYTES) throw new Error('body too large');
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

/** A parsed request body: string fields, plus file parts of a multipart body. */
export interface ParsedBody {
  fields: Record<string, string | unknown>;
  files: Array<{ field: string; filename: string; data: Buffer }>;
  /** Set when the body could not be parsed as its content type says. */
  malformed?: string;
}

/** Parses a form-encoded, JSON or multipart body according to its Content-Type. */
export async function parseBody(raw: Buffer, contentType: string | undefined): Promise<ParsedBody> {
  const ct = (contentType ?? '').toLowerCase();
  if (ct.startsWith('application/json')) {
    try {
      const v: unknown = raw.length ? JSON.parse(raw.toString('utf8')) : {};
      if (typeof v !== 'object' || v === null || Array.isArray(v)) {
        return { fields: {}, files: [], malformed: 'JSON body is not an object' };
      }
      return { fields: v as Record<string, unknown>, files: [] };
    } catch {
      return { fields: {}, files: [], malformed: 'invalid JSON body' };
    }
  }
  if (ct.startsWith('multipart/form-data')) {
    try {
      const form = await new Response(new Uint8Array(raw), { headers: { 'content-type': contentType ?? '' } }).formData();
      const out: ParsedBody = { fields: {}, files: [] };
      for (const [key, value] of form.entries()) {
        if (typeof value === 'string') out.fields[key] = value;
        else out.files.push({ field: key, filename: value.name, data: Buffer.from(await value.arrayBuffer()) });
      }
      return out;
    } catch {
      return { fields: {}, files: [], malformed: 'invalid multipart body' };
    }
  }
  // Slack treats anything else as form-encoded.
  const params = new URLSearchParams(raw.toString('utf8'));
  const fields: Record<string, string> = {};
  for (const [k, v] of params) fields[k] = v;
  return { fields, files: [] };
}

/** Sends a JSON answer with the given status and extra headers. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/** Reads the bearer token of a request, if any. */
export function bearerToken(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  if (!h) return undefined;
  const m = /^Bearer\s+(\S+)$/i.exec(h);
  return m ? m[1] : undefined;
}

/** Returns `v` when it is a non-empty string, else undefined. */
export function str(v: unknown): string | undefined {
  if (typeof v === 'string' && v.length > 0) return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

/** Reads a boolean argument as Slack does ("true"/"1"/true). */
export function bool(v: unknown): boolean {
  return v === true || v === 'true' || v === '1' || v === 1;
}
