import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { lines, destination };
}

describe('createLogger', () => {
  it('redacts pii fields and secrets by default, in child loggers too', () => {
    const { lines, destination } = capture();
    const log = createLogger({ service: 'test', destination }).child({ callId: 'c1' });
    log.info({ pii: { from: '+919876543210' }, apiKey: 'sk-secret' }, 'call started');
    expect(lines[0]).toMatchObject({
      callId: 'c1',
      service: 'test',
      pii: '[redacted]',
      apiKey: '[redacted]',
      msg: 'call started',
    });
    expect(JSON.stringify(lines)).not.toContain('9876543210');
  });

  it('shows pii only when asked, never secrets', () => {
    const { lines, destination } = capture();
    const log = createLogger({ service: 'test', destination, logPii: true });
    log.info({ pii: { text: 'hello' }, headers: { authorization: 'Basic abc' } }, 'turn');
    expect(lines[0]).toMatchObject({ pii: { text: 'hello' }, headers: { authorization: '[redacted]' } });
  });
});

describe('createLogger with LOG_PII', () => {
  it('still hides a token nested in pii (custom parameters built from a ?token= URL)', () => {
    const { lines, destination } = capture();
    const log = createLogger({ service: 'test', destination, logPii: true }).child({ callId: 'c1' });
    log.info(
      { pii: { from: '+919876543210', customParameters: { token: 'tok-secret-1', lead: 'L-1' } } },
      'call start',
    );
    log.info({ req: { pii: { query: { token: 'tok-secret-2' } } } }, 'incoming request');
    expect(lines[0]).toMatchObject({
      pii: { from: '+919876543210', customParameters: { token: '[redacted]', lead: 'L-1' } },
    });
    expect(JSON.stringify(lines)).not.toMatch(/tok-secret/);
  });
});
