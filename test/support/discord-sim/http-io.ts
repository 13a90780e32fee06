import type { IncomingMessage, ServerResponse } from 'node:http';
import { apiError, ErrorCode } from './errors.ts';

/** A file part of a multipart request (`files[n]`). */
export interface UploadedFile {
  field: string;
  filename: string;
  contentType: string;
  bytes: Buffer;
}

/** A parsed request body: JSON (or `payload_json`) plus files. */
export interface ParsedBody {
  json: unknown;
  files: UploadedFile[];
}

/**
 * Reads the body, stopping at `hardCap` bytes (answering 413 40005), and parses JSON or
 * multipart/form-data (`payload_json` + `files[n]`). Bad JSON → 400 50109.
 */
export async function readBody(req: IncomingMessage, hardCap: number): Promise<ParsedBody> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length; // past the cap keep draining (so the client reads our 413) but drop bytes
    if (size <= hardCap) chunks.push(chunk);
  }
  if (size > hardCap) throw apiError(413, ErrorCode.RequestTooLarge, 'Request entity too large');
  const raw = Buffer.concat(chunks);
  const type = req.headers['content-type'] ?? '';
  if (raw.length === 0) return { json: undefined, files: [] };
  if (type.startsWith('multipart/form-data')) return parseMultipart(raw, type);
  return { json: parseJson(raw.toString('utf8')), files: [] };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw apiError(400, ErrorCode.InvalidJson, 'The request body contains invalid JSON.');
  }
}

/** Parses multipart/form-data into `payload_json` (JSON) and file parts. */
export function parseMultipart(raw: Buffer, contentType: string): ParsedBody {
  const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  const boundary = m?.[1] ?? m?.[2];
  if (!boundary) throw apiError(400, ErrorCode.InvalidFormBody, 'Invalid Form Body');
  const delim = Buffer.from(`--${boundary}`);
  const out: ParsedBody = { json: undefined, files: [] };
  let pos = raw.indexOf(delim);
  for (let guard = 0; pos !== -1 && guard < 1000; guard += 1) {
    const start = pos + delim.length;
    if (raw.subarray(start, start + 2).toString() === '--') break; // closing delimiter
    const next = raw.indexOf(delim, start);
    if (next === -1) break;
    const part = raw.subarray(start + 2, next - 2); // skip CRLF after delimiter and before next
    const headEnd = part.indexOf('\r\n\r\n');
    if (headEnd !== -1) {
      const head = part.subarray(0, headEnd).toString('utf8');
      const bytes = Buffer.from(part.subarray(headEnd + 4));
      const name = /name="([^"]*)"/i.exec(head)?.[1] ?? '';
      const filename = /filename="([^"]*)"/i.exec(head)?.[1];
      const ctype = /content-type:\s*([^\r\n]+)/i.exec(head)?.[1]?.trim() ?? 'application/octet-stream';
      if (filename !== undefined) out.files.push({ field: name, filename, contentType: ctype, bytes });
      else if (name === 'payload_json') out.json = parseJson(bytes.toString('utf8'));
    }
    pos = next;
  }
  return out;
}

/** Writes a JSON answer (or an empty 204) with extra headers. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string>): void {
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  if (status === 204 || body === undefined) {
    res.statusCode = status;
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}
