import { createPublicKey, verify, type KeyObject } from 'node:crypto';

/** DER prefix that turns a raw 32-byte Ed25519 public key into SPKI, which node:crypto reads. */
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
/** How far a request's timestamp may be from now, either way. @defaultValue 300 s */
export const TIMESTAMP_TOLERANCE_S = 300;

/** The application's public key (64 hex characters, from the Developer Portal) as a KeyObject. */
export function discordPublicKey(hex: string): KeyObject {
  if (!/^[0-9a-f]{64}$/i.test(hex)) throw new Error('DISCORD_PUBLIC_KEY must be 64 hex characters');
  return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, Buffer.from(hex, 'hex')]), format: 'der', type: 'spki' });
}

/**
 * True when `signatureHex` is the application's Ed25519 signature of `timestamp + rawBody` and
 * the timestamp (unix seconds) is within the tolerance of `nowMs`, so a captured request cannot
 * be replayed later. Checked on the raw bytes, before anything is parsed; never throws.
 */
export function verifySignature(
  key: KeyObject,
  rawBody: Buffer,
  signatureHex: string | undefined,
  timestamp: string | undefined,
  nowMs: number,
): boolean {
  if (!signatureHex || !timestamp || !/^[0-9a-f]{128}$/i.test(signatureHex) || !/^\d{1,12}$/.test(timestamp)) return false;
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > TIMESTAMP_TOLERANCE_S) return false;
  try {
    return verify(null, Buffer.concat([Buffer.from(timestamp, 'utf8'), rawBody]), key, Buffer.from(signatureHex, 'hex'));
  } catch {
    return false;
  }
}
