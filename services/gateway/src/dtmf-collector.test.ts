import { describe, expect, it } from 'vitest';
import type { DtmfInputReason } from '@audexly/protocol';
import { DtmfCollector } from './dtmf-collector.js';
import { FakeClock } from './test/fake-clock.js';

function collector(settings = { terminator: '#', timeoutMs: 3000, maxDigits: 4 }) {
  const clock = new FakeClock();
  const inputs: [string, DtmfInputReason][] = [];
  const c = new DtmfCollector(settings, (digits, reason) => inputs.push([digits, reason]), clock);
  return { c, clock, inputs };
}

describe('DTMF collection', () => {
  it('delivers the digits when the terminator is pressed, without the terminator', () => {
    const { c, inputs } = collector();
    for (const d of '12*') c.press(d);
    c.press('#');
    expect(inputs).toEqual([['12*', 'terminator']]);
  });

  it('delivers the digits timeoutMs after the last key, each key restarting the wait', () => {
    const { c, clock, inputs } = collector();
    c.press('4');
    clock.advance(2000);
    c.press('2');
    clock.advance(2999);
    expect(inputs).toEqual([]);
    clock.advance(1);
    expect(inputs).toEqual([['42', 'timeout']]);
  });

  it('delivers at maxDigits, and starts a new collection after', () => {
    const { c, clock, inputs } = collector();
    for (const d of '123456') c.press(d);
    clock.advance(3000);
    expect(inputs).toEqual([
      ['1234', 'max'],
      ['56', 'timeout'],
    ]);
  });

  it('honours another terminator and delivers an empty input for a lone terminator', () => {
    const { c, inputs } = collector({ terminator: '*', timeoutMs: 1000, maxDigits: 20 });
    c.press('*');
    c.press('#');
    c.press('*');
    expect(inputs).toEqual([
      ['', 'terminator'],
      ['#', 'terminator'],
    ]);
  });

  it('drops pending digits when stopped', () => {
    const { c, clock, inputs } = collector();
    c.press('9');
    c.stop();
    clock.advance(10_000);
    expect(inputs).toEqual([]);
  });
});
