import { describe, expect, it } from 'vitest';
import { CALL_STATES, CallState, type CallStateName } from './call-state.js';

function at(path: CallStateName[]): CallState {
  const state = new CallState();
  for (const step of path) expect(state.move(step)).toBe(true);
  return state;
}

/** Every allowed move, from a call brought to its starting state by the shortest path. */
const allowed: [from: CallStateName[], to: CallStateName][] = [
  [[], 'claiming'],
  [[], 'ended'],
  [['claiming'], 'live'],
  [['claiming'], 'apologising'],
  [['claiming'], 'ended'],
  [['claiming', 'live'], 'ending'],
  [['claiming', 'live'], 'apologising'],
  [['claiming', 'live'], 'ended'],
  [['claiming', 'live', 'ending'], 'ended'],
  [['claiming', 'apologising'], 'ended'],
];

describe('CallState', () => {
  it('starts connecting', () => {
    expect(new CallState().current).toBe('connecting');
  });

  it.each(allowed)('from %j moves to %s', (path, next) => {
    const state = at(path);
    expect(state.move(next)).toBe(true);
    expect(state.current).toBe(next);
  });

  it('refuses every other move and stays where it is', () => {
    const starts: CallStateName[][] = [
      [],
      ['claiming'],
      ['claiming', 'live'],
      ['claiming', 'live', 'ending'],
      ['claiming', 'apologising'],
      ['ended'],
    ];
    for (const path of starts) {
      for (const next of CALL_STATES) {
        const state = at(path);
        const from = state.current;
        if (allowed.some(([p, n]) => at(p).current === from && n === next)) continue;
        expect(state.move(next), `${from} → ${next}`).toBe(false);
        expect(state.current).toBe(from);
      }
    }
  });

  it('ended is final', () => {
    const state = at(['ended']);
    for (const next of CALL_STATES) expect(state.move(next)).toBe(false);
  });
});
