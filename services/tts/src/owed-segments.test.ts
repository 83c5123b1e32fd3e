import { describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION, type AnyEvent } from '@audexly/protocol';
import { owedSegments } from './owed-segments.js';

const base = { v: PROTOCOL_VERSION, callId: 'c', timelineMs: 0 } as const;
const segment = (turn: number, s: number): AnyEvent => ({
  ...base,
  type: 'reply.segment',
  turn,
  segment: s,
  text: `t${turn}s${s}`,
});
const played = (turn: number, s: number): AnyEvent => ({
  ...base,
  type: 'playback.segment-played',
  turn,
  segment: s,
  audioMs: 100,
});

describe('what a re-claimed TTS still owes the caller', () => {
  it("is the latest turn's segments not yet heard, in order", () => {
    const events = [segment(0, 0), played(0, 0), segment(1, 0), segment(1, 1), played(1, 0), segment(1, 2)];
    expect(owedSegments(events).map((s) => s.segment)).toEqual([1, 2]);
  });

  it('is nothing when the latest turn was interrupted or fully heard', () => {
    expect(
      owedSegments([segment(1, 0), { ...base, type: 'playback.interrupted', turn: 1, heardSegments: [] }]),
    ).toEqual([]);
    expect(owedSegments([segment(1, 0), played(1, 0)])).toEqual([]);
    expect(owedSegments([])).toEqual([]);
  });
});
