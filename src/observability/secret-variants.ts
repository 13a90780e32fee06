import { MIN_SECRET_LENGTH } from './check-secret.ts';

export interface SecretVariants {
  /** Texts to mask wherever they occur. */
  anywhere: string[];
  /** Short pieces of a multi-line secret: masked only when they are a whole line. */
  wholeLine: string[];
}

/**
 * Every form in which a secret's value can show up in a log: as it is; JSON-escaped;
 * URL-encoded (%XX upper and lower case, `+` for spaces); base64 (standard and URL-safe)
 * wherever it starts inside a longer encoded text, i.e. in each of the three alignments,
 * keeping only the characters that do not depend on the bytes around it; and, for a
 * multi-line secret (a PEM key), each of its lines, since logs are split into lines.
 */
export function secretVariants(secret: string): SecretVariants {
  const anywhere = new Set<string>();
  const wholeLine = new Set<string>();
  const add = (text: string) => {
    if (text.length >= MIN_SECRET_LENGTH) anywhere.add(text);
  };
  if (/[\r\n]/.test(secret)) {
    for (const line of secret
      .split(/\r?\n|\r/)
      .map((l) => l.trim())
      .filter(Boolean)) {
      if (line.length >= MIN_SECRET_LENGTH) anywhere.add(line);
      else wholeLine.add(line);
    }
  } else {
    add(secret);
  }
  const json = JSON.stringify(secret).slice(1, -1);
  add(json);
  add(json.replaceAll('/', '\\/'));
  const url = encodeURIComponent(secret);
  add(url);
  add(url.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()));
  add(url.replaceAll('%20', '+'));
  for (const b64 of base64Alignments(Buffer.from(secret, 'utf8'))) {
    add(b64);
    add(b64.replaceAll('+', '-').replaceAll('/', '_'));
  }
  return { anywhere: [...anywhere], wholeLine: [...wholeLine] };
}

/**
 * The base64 characters that encode `bytes` alone when they sit at offset 0, 1 or 2 of a
 * 3-byte group: characters shared with the neighbouring bytes are dropped at both ends.
 */
function base64Alignments(bytes: Buffer): string[] {
  return [0, 1, 2].map((offset) => {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes])
      .toString('base64')
      .replace(/=+$/, '');
    const stableEnd = Math.floor(((offset + bytes.length) * 8) / 6);
    return encoded.slice(Math.ceil((offset * 8) / 6), stableEnd);
  });
}
