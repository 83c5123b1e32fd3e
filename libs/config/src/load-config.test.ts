import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, env, loadConfig } from './load-config.js';

const schema = z.object({ PORT: env.port(8000), DEBUG: env.bool(false), KEY: env.secret() });

describe('loadConfig', () => {
  it('coerces numbers and booleans and applies defaults', () => {
    const config = loadConfig(schema, { PORT: '9000', DEBUG: 'true', KEY: 'k' });
    expect(config).toEqual({ PORT: 9000, DEBUG: true, KEY: 'k' });
    expect(loadConfig(schema, { KEY: 'k' }).PORT).toBe(8000);
  });

  it('freezes the result', () => {
    const config = loadConfig(schema, { KEY: 'k' });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('lists every problem in one error', () => {
    try {
      loadConfig(schema, { PORT: 'abc', DEBUG: 'maybe' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const issues = (err as ConfigError).issues.join('\n');
      expect(issues).toMatch(/PORT/);
      expect(issues).toMatch(/DEBUG/);
      expect(issues).toMatch(/KEY/);
    }
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig(schema, { KEY: 'k', PORT: '' }).PORT).toBe(8000);
  });
});

describe('env.host', () => {
  const hosts = z.object({ HOST: env.host('127.0.0.1') });

  it('takes IPv4, IPv6 and host names, and defaults to the given address', () => {
    expect(loadConfig(hosts, {}).HOST).toBe('127.0.0.1');
    for (const host of ['0.0.0.0', '::', '::1', '10.1.2.3', 'localhost', 'ops.internal'])
      expect(loadConfig(hosts, { HOST: host }).HOST).toBe(host);
  });

  it('refuses what is not an address', () => {
    for (const host of ['0.0.0.0:9100', 'http://0.0.0.0', 'two words', '-bad'])
      expect(() => loadConfig(hosts, { HOST: host })).toThrow(/HOST: must be an IP address/);
  });
});
