/**
 * Per-call capability tokens: the dynamic-URL endpoint mints one for the CallSid Exotel asked
 * about and puts it in the stream URL's path; the stream and the call's other Exotel-facing
 * endpoints accept it until it expires. Format: `c1.<base64url CallSid>.<expiry, unix s>.<sig>`,
 * sig = base64url(HMAC-SHA256(secret, `<CallSid>.<expiry>`)). Never logged.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

const PREFIX = 'c1';

export type TokenCheck =
  { ok: true; callSid: string; expiresAt: number } | { ok: false; reason: 'malformed' | 'bad-signature' | 'expired' };

function sign(secret: string, callSid: string, expiry: number): Buffer {
  return createHmac('sha256', secret).update(`${callSid}.${expiry}`).digest();
}

/** A token for `callSid`, valid for `ttlS` seconds from `nowMs`. */
export function mintCallToken(secret: string, callSid: string, ttlS: number, nowMs = Date.now()): string {
  const expiry = Math.floor(nowMs / 1000) + Math.max(1, Math.round(ttlS));
  return [
    PREFIX,
    Buffer.from(callSid, 'utf8').toString('base64url'),
    String(expiry),
    sign(secret, callSid, expiry).toString('base64url'),
  ].join('.');
}

/** Checks signature and expiry; the caller then binds the token to the call's CallSid. */
export function verifyCallToken(secret: string, token: string, nowMs = Date.now()): TokenCheck {
  const parts = token.split('.');
  if (parts.length !== 4 || parts[0] !== PREFIX || token.length > 512) return { ok: false, reason: 'malformed' };
  const [, sidPart, expiryPart, sigPart] = parts as [string, string, string, string];
  if (!/^\d{1,12}$/.test(expiryPart) || !/^[A-Za-z0-9_-]+$/.test(sigPart) || !/^[A-Za-z0-9_-]+$/.test(sidPart))
    return { ok: false, reason: 'malformed' };
  const callSid = Buffer.from(sidPart, 'base64url').toString('utf8');
  const expiry = Number(expiryPart);
  const given = Buffer.from(sigPart, 'base64url');
  const want = sign(secret, callSid, expiry);
  if (given.length !== want.length || !timingSafeEqual(given, want)) return { ok: false, reason: 'bad-signature' };
  if (expiry * 1000 < nowMs) return { ok: false, reason: 'expired' };
  return { ok: true, callSid, expiresAt: expiry * 1000 };
}
