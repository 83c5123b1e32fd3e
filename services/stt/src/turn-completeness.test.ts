import { describe, expect, it } from 'vitest';
import { COMPLETE_UTTERANCES, UNFINISHED_UTTERANCES } from './test/completeness-fixtures.js';
import { endOfTurnSilenceMs, RuleCompleteness } from './turn-completeness.js';

const judge = new RuleCompleteness();

describe('completeness rules', () => {
  it('the fixture set has at least 40 unfinished utterances', () => {
    expect(UNFINISHED_UTTERANCES.length).toBeGreaterThanOrEqual(40);
  });

  it.each(UNFINISHED_UTTERANCES)('unfinished: %s', (text) => {
    expect(judge.judge(text)).toBe('unfinished');
  });

  it.each(COMPLETE_UTTERANCES)('complete: %s', (text) => {
    expect(judge.judge(text)).toBe('complete');
  });

  it.each(['', 'hello', 'go forward ten meters', 'okay'])('cannot tell: %j', (text) => {
    expect(judge.judge(text)).toBe('unknown');
  });

  it('the silence: the minimum when complete, the maximum when unfinished, the fixed one otherwise', () => {
    const bounds = { defaultMs: 500, minMs: 300, maxMs: 1200 };
    expect(endOfTurnSilenceMs('complete', bounds)).toBe(300);
    expect(endOfTurnSilenceMs('unfinished', bounds)).toBe(1200);
    expect(endOfTurnSilenceMs('unknown', bounds)).toBe(500);
    // Bounds never move the silence the wrong way.
    expect(endOfTurnSilenceMs('complete', { defaultMs: 250, minMs: 300, maxMs: 1200 })).toBe(250);
  });
});
