import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

/**
 * Capability tokens: URLs that Exotel calls (status callbacks, the outbound StreamUrl) carry no
 * signature of their own, so the URL itself carries a token that only a holder of
 * `AUDEXLY_SECRET_KEY` can mint. A token is `<subject>.<mac>`: the subject (URL-safe, no `.`) is
 * readable, the MAC binds it to a scope, so a token minted for one use is worthless for another.
 *
 * Scopes in use:
 * - `stream`: subject = agent id. The API puts `…/exotel/stream/<token>` in outbound StreamUrls;
 *   the gateway may verify it and take the agent from the subject.
 * - `status-callback`: subject = the outbound request's ref. The API verifies Exotel's status
 *   callbacks with it.
 */
export const CAPABILITY_SCOPES = ['stream', 'status-callback'] as const;
export type CapabilityScope = (typeof CAPABILITY_SCOPES)[number];

const SUBJECT_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;
const MAC_BYTES = 18;

function macKey(secret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'audexly', 'capability-token', 32));
}

function mac(secret: string, scope: CapabilityScope, subject: string): Buffer {
  return createHmac('sha256', macKey(secret)).update(`${scope}:${subject}`).digest().subarray(0, MAC_BYTES);
}

/** Mints a token for `subject` (1-128 of `A-Za-z0-9_-`) in `scope`. */
export function signCapability(secret: string, scope: CapabilityScope, subject: string): string {
  if (!SUBJECT_PATTERN.test(subject)) throw new TypeError('a capability subject is 1-128 characters of A-Z, a-z, 0-9, _ and -');
  return `${subject}.${mac(secret, scope, subject).toString('base64url')}`;
}

/** The subject of a valid token of `scope`, or undefined (malformed, other scope, other key). */
export function openCapability(secret: string, scope: CapabilityScope, token: string): string | undefined {
  const dot = token.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const subject = token.slice(0, dot);
  if (!SUBJECT_PATTERN.test(subject)) return undefined;
  const given = Buffer.from(token.slice(dot + 1), 'base64url');
  const expected = mac(secret, scope, subject);
  return given.length === expected.length && timingSafeEqual(given, expected) ? subject : undefined;
}
