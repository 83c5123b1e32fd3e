import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import type * as NodeCrypto from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import {
  isOldOutboundStreamToken,
  isOutboundBindingKey,
  openCapability,
  openOutboundStreamToken,
  outboundBindingKey,
  signCapability,
  signOutboundStreamToken,
} from './capability.js';

// The real timingSafeEqual, watched: MACs must be compared with it, never with `===`.
vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof NodeCrypto>();
  return { ...actual, timingSafeEqual: vi.fn(actual.timingSafeEqual) };
});

describe('capability tokens', () => {
  it('open to their subject with the same key and scope', () => {
    const token = signCapability('k1', 'status-callback', 'ob_abc-1');
    expect(token.startsWith('ob_abc-1.')).toBe(true);
    expect(openCapability('k1', 'status-callback', token)).toBe('ob_abc-1');
  });

  it('are refused with another key, a changed subject or a cut MAC', () => {
    const token = signCapability('k1', 'status-callback', 'ob_1');
    expect(openCapability('k2', 'status-callback', token)).toBeUndefined();
    expect(openCapability('k1', 'status-callback', token.replace('ob_1', 'ob_2'))).toBeUndefined();
    expect(openCapability('k1', 'status-callback', token.slice(0, -2))).toBeUndefined();
    expect(openCapability('k1', 'status-callback', 'nodot')).toBeUndefined();
  });

  it('refuse subjects that would not be URL-safe', () => {
    expect(() => signCapability('k', 'status-callback', 'a.b')).toThrow(/capability subject/);
  });
});

/** What the previous release minted for an outbound StreamUrl: `<agentId>.<mac>`, forever valid. */
function oldStreamToken(secret: string, agentId: string): string {
  const key = Buffer.from(hkdfSync('sha256', secret, 'audexly', 'capability-token', 32));
  return `${agentId}.${createHmac('sha256', key).update(`stream:${agentId}`).digest().subarray(0, 18).toString('base64url')}`;
}

describe('outbound stream tokens', () => {
  const now = 1_800_000_000_000;
  const grant = { agentId: 'ag_abc-1', ref: 'ob_call-A', expiresAt: now + 300_000 };

  it('open to their agent, ref and expiry until they expire (the clock is a parameter)', () => {
    const token = signOutboundStreamToken('k1', grant);
    expect(token).toMatch(/^o1\.ag_abc-1\.ob_call-A\.\d+\.[A-Za-z0-9_-]+$/);
    expect(openOutboundStreamToken('k1', token, now)).toEqual({ ok: true, ...grant });
    expect(openOutboundStreamToken('k1', token, grant.expiresAt - 1)).toMatchObject({ ok: true });
    expect(openOutboundStreamToken('k1', token, grant.expiresAt)).toEqual({ ok: false, reason: 'expired' });
    expect(openOutboundStreamToken('k1', token, grant.expiresAt + 3_600_000)).toEqual({ ok: false, reason: 'expired' });
  });

  it("name one outbound request: call A's token does not carry call B's ref", () => {
    const forA = openOutboundStreamToken('k1', signOutboundStreamToken('k1', grant), now);
    const forB = openOutboundStreamToken('k1', signOutboundStreamToken('k1', { ...grant, ref: 'ob_call-B' }), now);
    expect(forA).toMatchObject({ ok: true, ref: 'ob_call-A' });
    expect(forB).toMatchObject({ ok: true, ref: 'ob_call-B' });
  });

  it('are refused when any part is changed, the MAC is cut, or the key differs', () => {
    const token = signOutboundStreamToken('k1', grant);
    const [prefix, agentId, ref, expiry, tag] = token.split('.') as [string, string, string, string, string];
    const tampered = [
      [prefix, 'ag_other', ref, expiry, tag],
      [prefix, agentId, 'ob_call-B', expiry, tag],
      [prefix, agentId, ref, String(Number(expiry) + 3600), tag],
      [prefix, agentId, ref, expiry, tag.slice(0, -2)],
      [prefix, agentId, ref, expiry, `${tag.slice(0, -1)}${tag.endsWith('A') ? 'B' : 'A'}`],
    ].map((parts) => parts.join('.'));
    for (const t of tampered)
      expect(openOutboundStreamToken('k1', t, now)).toEqual({ ok: false, reason: 'bad-signature' });
    expect(openOutboundStreamToken('k2', token, now)).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it.each([
    '',
    'o1',
    'o1.a.b.c',
    'o2.ag.ob.1.AAAA',
    'o1.ag.ob.1.AAAA.extra',
    'o1.a.b.x.AAAA',
    'o1.a b.ob.1.AAAA',
    `o1.ag.ob.1.${'A'.repeat(500)}`,
  ])('refuse the malformed token %j', (token) => {
    expect(openOutboundStreamToken('k1', token, now)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('do not open as status-callback tokens, nor the other way round', () => {
    const stream = signOutboundStreamToken('k1', grant);
    expect(openCapability('k1', 'status-callback', stream)).toBeUndefined();
    expect(openOutboundStreamToken('k1', signCapability('k1', 'status-callback', 'ob_call-A'), now)).toEqual({
      ok: false,
      reason: 'malformed',
    });
  });

  it('tell an old-format token (no expiry, no call) from garbage, so its refusal can say why', () => {
    const old = oldStreamToken('k1', 'ag_abc-1');
    expect(isOldOutboundStreamToken('k1', old)).toBe(true);
    expect(isOldOutboundStreamToken('k2', old)).toBe(false);
    expect(isOldOutboundStreamToken('k1', old.replace('ag_abc-1', 'ag_abc-2'))).toBe(false);
    expect(isOldOutboundStreamToken('k1', signCapability('k1', 'status-callback', 'ag_abc-1'))).toBe(false);
    expect(openOutboundStreamToken('k1', old, now)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('compare MACs in constant time', () => {
    const token = signOutboundStreamToken('k1', grant);
    vi.mocked(timingSafeEqual).mockClear();
    expect(openOutboundStreamToken('k1', token, now)).toMatchObject({ ok: true });
    expect(openOutboundStreamToken('k1', `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`, now)).toMatchObject(
      { ok: false },
    );
    expect(isOldOutboundStreamToken('k1', oldStreamToken('k1', 'ag_abc-1'))).toBe(true);
    expect(timingSafeEqual).toHaveBeenCalledTimes(3);
  });

  it('are bound to their call under a KV key no call id can take', () => {
    expect(outboundBindingKey('ob_call-A')).toBe('ref.ob_call-A');
    expect(isOutboundBindingKey(outboundBindingKey('ob_call-A'))).toBe(true);
    expect(isOutboundBindingKey('ob_call-A')).toBe(false);
    expect(() => outboundBindingKey('a.b')).toThrow();
  });
});
