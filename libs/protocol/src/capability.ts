import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/**
 * Capability tokens: URLs that Exotel calls (status callbacks, the outbound StreamUrl) carry no
 * signature of their own, so the URL itself carries a token that only a holder of
 * `AUDEXLY_SECRET_KEY` can mint. The MAC binds every readable part of a token to its scope, so a
 * token minted for one use is worthless for another. MACs are compared in constant time.
 *
 * - `status-callback` ({@link signCapability}): `<ref>.<mac>`, ref = the outbound request's ref.
 *   The API verifies Exotel's status callbacks with it and checks the ref against the call.
 * - Outbound stream tokens ({@link signOutboundStreamToken}): `o1.<agentId>.<ref>.<expiry>.<mac>`.
 *   The API puts `…/exotel/stream/<token>` in outbound StreamUrls; the gateway takes the agent
 *   from it, refuses it once expired, and admits only the call the API placed with it (the API
 *   records ref → CallSid under {@link outboundBindingKey} in KV `outbound`).
 *
 * Migration: earlier releases minted outbound stream tokens as `<agentId>.<mac>` (scope `stream`),
 * with no expiry and no call. The gateway refuses them ({@link isOldOutboundStreamToken} tells
 * them apart so the refusal can say why); calls placed before the upgrade that have not yet
 * connected must be placed again.
 */
export const CAPABILITY_SCOPES = ['status-callback'] as const;
export type CapabilityScope = (typeof CAPABILITY_SCOPES)[number];

const SUBJECT_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;
const MAC_BYTES = 18;
const OUTBOUND_PREFIX = 'o1';
/** The scope of the old, unbounded outbound stream tokens: recognised only to refuse them. */
const OLD_STREAM_SCOPE = 'stream';

function macKey(secret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'audexly', 'capability-token', 32));
}

function mac(secret: string, message: string): Buffer {
  return createHmac('sha256', macKey(secret)).update(message).digest().subarray(0, MAC_BYTES);
}

function macMatches(secret: string, message: string, given: string): boolean {
  const givenBytes = Buffer.from(given, 'base64url');
  const expected = mac(secret, message);
  return givenBytes.length === expected.length && timingSafeEqual(givenBytes, expected);
}

/** Mints a token for `subject` (1-128 of `A-Za-z0-9_-`) in `scope`. */
export function signCapability(secret: string, scope: CapabilityScope, subject: string): string {
  if (!SUBJECT_PATTERN.test(subject))
    throw new TypeError('a capability subject is 1-128 characters of A-Z, a-z, 0-9, _ and -');
  return `${subject}.${mac(secret, `${scope}:${subject}`).toString('base64url')}`;
}

/** The subject of a valid token of `scope`, or undefined (malformed, other scope, other key). */
export function openCapability(secret: string, scope: CapabilityScope, token: string): string | undefined {
  const dot = token.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const subject = token.slice(0, dot);
  if (!SUBJECT_PATTERN.test(subject)) return undefined;
  return macMatches(secret, `${scope}:${subject}`, token.slice(dot + 1)) ? subject : undefined;
}

/** What an outbound stream token grants: one call (the API's request `ref`) with `agentId`, until `expiresAt`. */
export interface OutboundStreamGrant {
  agentId: string;
  /** The outbound request's ref (`ob_…`), which the API binds to Exotel's CallSid. */
  ref: string;
  /** Epoch ms (whole seconds). */
  expiresAt: number;
}

export type OutboundStreamCheck =
  ({ ok: true } & OutboundStreamGrant) | { ok: false; reason: 'malformed' | 'bad-signature' | 'expired' };

function outboundMessage(agentId: string, ref: string, expiryS: number): string {
  return `${OLD_STREAM_SCOPE}:${OUTBOUND_PREFIX}:${agentId}:${ref}:${expiryS}`;
}

/** Mints the token of an outbound StreamUrl; `expiresAt` is rounded up to a whole second. */
export function signOutboundStreamToken(secret: string, grant: OutboundStreamGrant): string {
  if (!SUBJECT_PATTERN.test(grant.agentId) || !SUBJECT_PATTERN.test(grant.ref))
    throw new TypeError('agent id and ref are 1-128 characters of A-Z, a-z, 0-9, _ and -');
  const expiryS = Math.ceil(grant.expiresAt / 1000);
  return [
    OUTBOUND_PREFIX,
    grant.agentId,
    grant.ref,
    String(expiryS),
    mac(secret, outboundMessage(grant.agentId, grant.ref, expiryS)).toString('base64url'),
  ].join('.');
}

/** Whether `token` has the outbound stream token's shape (`o1.…`), valid or not. */
export function isOutboundStreamToken(token: string): boolean {
  return token.startsWith(`${OUTBOUND_PREFIX}.`);
}

/** Checks an outbound stream token's MAC, then its expiry against `nowMs`. */
export function openOutboundStreamToken(secret: string, token: string, nowMs: number): OutboundStreamCheck {
  const parts = token.split('.');
  if (token.length > 400 || parts.length !== 5 || parts[0] !== OUTBOUND_PREFIX)
    return { ok: false, reason: 'malformed' };
  const [, agentId, ref, expiryText, given] = parts as [string, string, string, string, string];
  if (
    !SUBJECT_PATTERN.test(agentId) ||
    !SUBJECT_PATTERN.test(ref) ||
    !/^\d{1,12}$/.test(expiryText) ||
    !/^[A-Za-z0-9_-]+$/.test(given)
  )
    return { ok: false, reason: 'malformed' };
  const expiryS = Number(expiryText);
  if (!macMatches(secret, outboundMessage(agentId, ref, expiryS), given)) return { ok: false, reason: 'bad-signature' };
  if (expiryS * 1000 <= nowMs) return { ok: false, reason: 'expired' };
  return { ok: true, agentId, ref, expiresAt: expiryS * 1000 };
}

/**
 * Whether `token` is a valid outbound stream token of the old format (`<agentId>.<mac>`, no
 * expiry, no call), which is refused: only so that the refusal can say why.
 */
export function isOldOutboundStreamToken(secret: string, token: string): boolean {
  const dot = token.lastIndexOf('.');
  if (dot <= 0 || token.length > 400) return false;
  const subject = token.slice(0, dot);
  return SUBJECT_PATTERN.test(subject) && macMatches(secret, `${OLD_STREAM_SCOPE}:${subject}`, token.slice(dot + 1));
}

/**
 * The KV `outbound` key under which the API records the call an outbound stream token's ref
 * became, once Exotel has given it a CallSid; the value is an {@link OutboundBinding}. Call
 * entries are keyed by call id, which never contains `.`, so the two never collide.
 */
export function outboundBindingKey(ref: string): string {
  if (!SUBJECT_PATTERN.test(ref)) throw new TypeError('an outbound ref is 1-128 characters of A-Z, a-z, 0-9, _ and -');
  return `ref.${ref}`;
}

/** Whether a KV `outbound` key is a binding (and not a call entry). */
export function isOutboundBindingKey(key: string): boolean {
  return key.startsWith('ref.');
}

/** What the gateway reads under {@link outboundBindingKey}: the CallSid the token's call got. */
export const outboundBindingSchema = z.object({
  /** Exotel's Call Sid of the call placed with the token: the only call the token admits. */
  callSid: z.string().min(1).max(128),
  /** The token's expiry, epoch ms. */
  expiresAt: z.number().int(),
});
export type OutboundBinding = z.infer<typeof outboundBindingSchema>;
