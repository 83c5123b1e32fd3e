/**
 * Authentication of Exotel's requests (the stream upgrade and the telephony HTTP endpoints), run
 * before anything else: HTTP Basic (`EXOTEL_STREAM_BASIC_AUTH=user:pass`, sent by Exotel when the
 * applet URL carries `user:pass@`), and/or a token — the static `EXOTEL_STREAM_TOKEN` or a
 * per-call token minted by the dynamic-URL endpoint, or the api's outbound stream token (agent,
 * outbound request, expiry; outbound StreamUrls) — as the last path segment or `?token=`; plus
 * the optional IP allowlist. Any configured credential suffices; the allowlist applies on top.
 * An outbound stream token is only half the check: the call it admits is looked up afterwards
 * (`outbound-binding.ts`). Outcomes never carry credential values, so logging them is safe.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { isOldOutboundStreamToken, isOutboundStreamToken, openOutboundStreamToken } from '@audexly/protocol';
import { verifyCallToken } from './capability-token.js';
import { clientIp, IpAllowlist } from './ip-allowlist.js';

export interface EdgeAuthSettings {
  basic: string | undefined;
  staticToken: string | undefined;
  secret: string | undefined;
  allowlist: string | undefined;
  trustProxy: boolean;
}

export interface EdgeRequest {
  headers: IncomingHttpHeaders;
  remoteAddress: string | undefined;
  /** Token from the path's last segment or `?token=`, if any. */
  token: string | null;
}

export type AuthMethod = 'open' | 'basic' | 'static-token' | 'call-token' | 'outbound-token';

/** Why an outbound StreamUrl minted before tokens expired is refused (logged; never the token). */
export const OLD_OUTBOUND_TOKEN_REASON =
  'outbound stream token of the old format (no expiry, not bound to a call): refused since outbound tokens expire; place the call again';
export type AuthOutcome =
  | {
      ok: true;
      method: AuthMethod;
      /** Set for a per-call token: the call must have this CallSid. */
      callSid: string | null;
      /** Set for the api's outbound stream token: the agent the call gets. */
      agentId?: string;
      /** Set for the api's outbound stream token: its outbound request, whose CallSid the call must have. */
      outboundRef?: string;
    }
  | { ok: false; status: 401 | 403; reason: string };

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Constant-time string comparison. */
function same(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

export class EdgeAuth {
  private readonly allowlist: IpAllowlist | null;

  constructor(private readonly settings: EdgeAuthSettings) {
    this.allowlist = settings.allowlist ? new IpAllowlist(settings.allowlist) : null;
    if (settings.basic !== undefined && !settings.basic.includes(':'))
      throw new Error('EXOTEL_STREAM_BASIC_AUTH must be user:pass');
  }

  /** Some credential is required (Basic, a static token or per-call tokens). */
  get credentialsRequired(): boolean {
    return (
      this.settings.basic !== undefined || this.settings.staticToken !== undefined || this.settings.secret !== undefined
    );
  }

  /** What is enforced, for the startup log (names only, never values). */
  describe(): { credentials: string[]; ipAllowlist: boolean } {
    const credentials: string[] = [];
    if (this.settings.basic !== undefined) credentials.push('basic');
    if (this.settings.staticToken !== undefined) credentials.push('static-token');
    if (this.settings.secret !== undefined) credentials.push('call-token', 'outbound-token');
    return { credentials, ipAllowlist: this.allowlist !== null };
  }

  /** Nothing at all protects the endpoints. */
  get open(): boolean {
    return !this.credentialsRequired && this.allowlist === null;
  }

  check(req: EdgeRequest, nowMs = Date.now()): AuthOutcome {
    if (this.allowlist && !this.allowlist.allows(clientIp(req.headers, req.remoteAddress, this.settings.trustProxy))) {
      return { ok: false, status: 403, reason: 'address not in EXOTEL_IP_ALLOWLIST' };
    }
    if (!this.credentialsRequired) return { ok: true, method: 'open', callSid: null };
    const { basic, staticToken, secret } = this.settings;
    if (basic !== undefined) {
      const header = req.headers.authorization;
      const match = typeof header === 'string' ? /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header) : null;
      if (match && same(Buffer.from(match[1]!, 'base64').toString('utf8'), basic))
        return { ok: true, method: 'basic', callSid: null };
    }
    const token = req.token;
    if (token) {
      if (staticToken !== undefined && same(token, staticToken))
        return { ok: true, method: 'static-token', callSid: null };
      if (secret !== undefined && token.startsWith('c1.')) {
        const verdict = verifyCallToken(secret, token, nowMs);
        if (verdict.ok) return { ok: true, method: 'call-token', callSid: verdict.callSid };
        return { ok: false, status: 401, reason: `call token ${verdict.reason}` };
      }
      if (secret !== undefined && isOutboundStreamToken(token)) {
        const grant = openOutboundStreamToken(secret, token, nowMs);
        if (grant.ok)
          return { ok: true, method: 'outbound-token', callSid: null, agentId: grant.agentId, outboundRef: grant.ref };
        return { ok: false, status: 401, reason: `outbound token ${grant.reason}` };
      }
      if (secret !== undefined && isOldOutboundStreamToken(secret, token))
        return { ok: false, status: 401, reason: OLD_OUTBOUND_TOKEN_REASON };
      return { ok: false, status: 401, reason: 'unknown token' };
    }
    return { ok: false, status: 401, reason: req.headers.authorization ? 'bad credentials' : 'no credentials' };
  }
}
