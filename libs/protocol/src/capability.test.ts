import { describe, expect, it } from 'vitest';
import { openCapability, signCapability } from './capability.js';

describe('capability tokens', () => {
  it('open to their subject with the same key and scope', () => {
    const token = signCapability('k1', 'stream', 'ag_abc-1');
    expect(token.startsWith('ag_abc-1.')).toBe(true);
    expect(openCapability('k1', 'stream', token)).toBe('ag_abc-1');
  });

  it('are refused with another key, another scope, a changed subject or a cut MAC', () => {
    const token = signCapability('k1', 'status-callback', 'ob_1');
    expect(openCapability('k2', 'status-callback', token)).toBeUndefined();
    expect(openCapability('k1', 'stream', token)).toBeUndefined();
    expect(openCapability('k1', 'status-callback', token.replace('ob_1', 'ob_2'))).toBeUndefined();
    expect(openCapability('k1', 'status-callback', token.slice(0, -2))).toBeUndefined();
    expect(openCapability('k1', 'status-callback', 'nodot')).toBeUndefined();
  });

  it('refuse subjects that would not be URL-safe', () => {
    expect(() => signCapability('k', 'stream', 'a.b')).toThrow(/capability subject/);
  });
});
