import { describe, expect, it } from 'vitest';
import { ConfigError } from '@audexly/config';
import { loadApiConfig } from './config.js';

describe('api configuration', () => {
  it('listens on every interface unless API_HOST says otherwise', () => {
    expect(loadApiConfig({}).API_HOST).toBe('0.0.0.0');
    expect(loadApiConfig({ API_HOST: '127.0.0.1' }).API_HOST).toBe('127.0.0.1');
    expect(() => loadApiConfig({ API_HOST: '127.0.0.1:3010' })).toThrow(ConfigError);
  });

  it('gives outbound stream tokens 300 s by default, and 60 s to 1 h when set', () => {
    expect(loadApiConfig({}).OUTBOUND_STREAM_TOKEN_TTL_S).toBe(300);
    expect(loadApiConfig({ OUTBOUND_STREAM_TOKEN_TTL_S: '900' }).OUTBOUND_STREAM_TOKEN_TTL_S).toBe(900);
    for (const value of ['0', '59', '3601', 'forever'])
      expect(() => loadApiConfig({ OUTBOUND_STREAM_TOKEN_TTL_S: value })).toThrow(/OUTBOUND_STREAM_TOKEN_TTL_S/);
  });
});
