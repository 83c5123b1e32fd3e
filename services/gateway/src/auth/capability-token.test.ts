import { describe, expect, it } from 'vitest';
import { mintCallToken, verifyCallToken } from './capability-token.js';

const SECRET = 'k'.repeat(32);
const SID = '37ad7a2adfda919720942210af293270';

describe('per-call capability tokens', () => {
  it('verifies a fresh token and gives back its CallSid', () => {
    const token = mintCallToken(SECRET, SID, 60, 1_000_000);
    expect(token).toMatch(/^c1\.[A-Za-z0-9_-]+\.\d+\.[A-Za-z0-9_-]+$/);
    expect(verifyCallToken(SECRET, token, 1_000_000 + 30_000)).toEqual({
      ok: true,
      callSid: SID,
      expiresAt: 1_060_000,
    });
  });

  it('rejects an expired token', () => {
    const token = mintCallToken(SECRET, SID, 60, 1_000_000);
    expect(verifyCallToken(SECRET, token, 1_000_000 + 61_000)).toEqual({ ok: false, reason: 'expired' });
  });

  it('rejects a token signed with another key, or with its CallSid or expiry changed', () => {
    const token = mintCallToken(SECRET, SID, 60, 1_000_000);
    expect(verifyCallToken('x'.repeat(32), token, 1_000_000)).toEqual({ ok: false, reason: 'bad-signature' });
    const [p, , exp, sig] = token.split('.');
    const otherSid = Buffer.from('ffffffffffffffffffffffffffffffff').toString('base64url');
    expect(verifyCallToken(SECRET, [p, otherSid, exp, sig].join('.'), 1_000_000)).toEqual({
      ok: false,
      reason: 'bad-signature',
    });
    expect(
      verifyCallToken(SECRET, [p, token.split('.')[1], String(Number(exp) + 1000), sig].join('.'), 1_000_000),
    ).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it.each(['', 'c1', 'c1.a.b.c', 'c2.YQ.1.YQ', 'c1.YQ.1.!!', 'c1.YQ.1.YQ.extra', `c1.YQ.1.${'A'.repeat(600)}`])(
    'rejects the malformed token %j',
    (token) => {
      expect(verifyCallToken(SECRET, token)).toEqual({ ok: false, reason: 'malformed' });
    },
  );
});
