import { createHmac, hkdfSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signCapability, signOutboundStreamToken } from '@audexly/protocol';
import { mintCallToken } from './capability-token.js';
import { EdgeAuth, OLD_OUTBOUND_TOKEN_REASON, type EdgeAuthSettings } from './edge-auth.js';
import { IpAllowlist, clientIp } from './ip-allowlist.js';

const none: EdgeAuthSettings = {
  basic: undefined,
  staticToken: undefined,
  secret: undefined,
  allowlist: undefined,
  trustProxy: false,
};
const basic = (userPass: string) => ({ authorization: `Basic ${Buffer.from(userPass).toString('base64')}` });
const req = (headers: Record<string, string> = {}, token: string | null = null, remoteAddress = '203.0.113.9') => ({
  headers,
  token,
  remoteAddress,
});

describe('edge authentication', () => {
  it('lets everything through when nothing is configured, and says it is open', () => {
    const auth = new EdgeAuth(none);
    expect(auth.open).toBe(true);
    expect(auth.check(req())).toEqual({ ok: true, method: 'open', callSid: null });
  });

  it('accepts the configured Basic credentials and nothing else', () => {
    const auth = new EdgeAuth({ ...none, basic: 'exotel:s3cret:with-colon' });
    expect(auth.check(req(basic('exotel:s3cret:with-colon')))).toMatchObject({ ok: true, method: 'basic' });
    expect(auth.check(req(basic('exotel:wrong')))).toMatchObject({ ok: false, status: 401 });
    expect(auth.check(req({ authorization: 'Bearer exotel:s3cret:with-colon' }))).toMatchObject({
      ok: false,
      status: 401,
    });
    expect(auth.check(req())).toMatchObject({ ok: false, status: 401, reason: 'no credentials' });
  });

  it('accepts the static token or a valid per-call token; either suffices next to Basic', () => {
    const secret = 's'.repeat(32);
    const auth = new EdgeAuth({ ...none, basic: 'u:p', staticToken: 't'.repeat(24), secret });
    expect(auth.check(req({}, 't'.repeat(24)))).toMatchObject({ ok: true, method: 'static-token', callSid: null });
    expect(auth.check(req({}, mintCallToken(secret, 'abc', 60)))).toMatchObject({
      ok: true,
      method: 'call-token',
      callSid: 'abc',
    });
    expect(auth.check(req({}, mintCallToken(secret, 'abc', 60, Date.now() - 120_000)))).toMatchObject({
      ok: false,
      status: 401,
      reason: 'call token expired',
    });
    expect(auth.check(req({}, 'guess'))).toMatchObject({ ok: false, status: 401 });
    expect(auth.check(req(basic('u:p'), 'guess'))).toMatchObject({ ok: true, method: 'basic' });
  });

  it('answers 403 to an address outside the allowlist even with good credentials', () => {
    const auth = new EdgeAuth({ ...none, basic: 'u:p', allowlist: '10.0.0.0/8, 2001:db8::/32' });
    expect(auth.check(req(basic('u:p'), null, '10.1.2.3'))).toMatchObject({ ok: true });
    expect(auth.check(req(basic('u:p'), null, '::ffff:10.1.2.3'))).toMatchObject({ ok: true });
    expect(auth.check(req(basic('u:p'), null, '2001:db8::7'))).toMatchObject({ ok: true });
    expect(auth.check(req(basic('u:p'), null, '11.0.0.1'))).toMatchObject({ ok: false, status: 403 });
  });

  it('reads X-Forwarded-For only behind a trusted proxy, taking the entry the proxy appended', () => {
    const headers = { 'x-forwarded-for': '10.9.9.9, 198.51.100.7' };
    expect(clientIp(headers, '127.0.0.1', false)).toBe('127.0.0.1');
    expect(clientIp(headers, '127.0.0.1', true)).toBe('198.51.100.7');
    const auth = new EdgeAuth({ ...none, allowlist: '198.51.100.0/24', trustProxy: true });
    expect(auth.check(req(headers, null, '127.0.0.1'))).toMatchObject({ ok: true });
    expect(
      new EdgeAuth({ ...none, allowlist: '198.51.100.0/24' }).check(req(headers, null, '127.0.0.1')),
    ).toMatchObject({ ok: false, status: 403 });
  });

  it('refuses a malformed allowlist or Basic setting at startup', () => {
    expect(() => new IpAllowlist('10.0.0.0/33')).toThrow();
    expect(() => new IpAllowlist('example.com')).toThrow();
    expect(() => new EdgeAuth({ ...none, basic: 'nocolon' })).toThrow();
  });
});

describe('outbound stream tokens', () => {
  const secret = 's'.repeat(32);
  const auth = new EdgeAuth({ ...none, secret });
  const now = 1_800_000_000_000;
  const grant = { agentId: 'agent-42', ref: 'ob_callA', expiresAt: now + 300_000 };

  it("accepts the api's token until it expires, naming its agent and outbound request (the call is bound afterwards)", () => {
    const token = signOutboundStreamToken(secret, grant);
    expect(auth.check(req({}, token), now)).toEqual({
      ok: true,
      method: 'outbound-token',
      callSid: null,
      agentId: 'agent-42',
      outboundRef: 'ob_callA',
    });
    expect(auth.check(req({}, token), grant.expiresAt - 1000)).toMatchObject({ ok: true });
  });

  it('refuses it once expired (the clock is injected)', () => {
    const token = signOutboundStreamToken(secret, grant);
    expect(auth.check(req({}, token), grant.expiresAt)).toEqual({
      ok: false,
      status: 401,
      reason: 'outbound token expired',
    });
  });

  it('refuses it tampered with, under another key, or as another kind of token', () => {
    const token = signOutboundStreamToken(secret, grant);
    expect(auth.check(req({}, token.replace('ob_callA', 'ob_callB')), now)).toEqual({
      ok: false,
      status: 401,
      reason: 'outbound token bad-signature',
    });
    expect(auth.check(req({}, token.replace('agent-42', 'agent-43')), now)).toEqual({
      ok: false,
      status: 401,
      reason: 'outbound token bad-signature',
    });
    expect(auth.check(req({}, signOutboundStreamToken('o'.repeat(32), grant)), now)).toEqual({
      ok: false,
      status: 401,
      reason: 'outbound token bad-signature',
    });
    expect(auth.check(req({}, signCapability(secret, 'status-callback', 'ob_callA')), now)).toEqual({
      ok: false,
      status: 401,
      reason: 'unknown token',
    });
  });

  it('refuses an old-format token (no expiry, no call) and says why, without the token', () => {
    const key = Buffer.from(hkdfSync('sha256', secret, 'audexly', 'capability-token', 32));
    const old = `agent-42.${createHmac('sha256', key).update('stream:agent-42').digest().subarray(0, 18).toString('base64url')}`;
    const outcome = auth.check(req({}, old), now);
    expect(outcome).toEqual({ ok: false, status: 401, reason: OLD_OUTBOUND_TOKEN_REASON });
    expect(JSON.stringify(outcome)).not.toContain(old.split('.')[1]);
  });
});
