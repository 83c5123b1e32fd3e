import { describe, expect, it } from 'vitest';
import { TurnDetector, type TurnEvent } from './turn-detector.js';

/** Feeds 20 ms frames: `pattern` is a run of [speech, ms] pairs; returns the events with their frame time. */
function feed(detector: TurnDetector, pattern: [boolean, number][], onEvent?: (e: TurnEvent) => void) {
  const events: { at: number; event: TurnEvent }[] = [];
  let t = 0;
  for (const [speech, ms] of pattern)
    for (let end = t + ms; t < end; t += 20) {
      const event = detector.push(speech, t, 20);
      if (event) {
        events.push({ at: t + 20, event });
        onEvent?.(event);
      }
    }
  return events;
}

describe('TurnDetector with pause probes', () => {
  const options = { minSpeechMs: 200, endOfTurnSilenceMs: 500, probeSilenceMs: 200 };

  it('never reports a pause or the end on a speech window: the audio asked for must not end inside a word', () => {
    // 180 ms of silence, then the first 40 ms of the next word (under resumeSpeechMs, 60 ms, so not
    // yet "speech again"): the probe is due at 200 ms of silence, inside the word's onset.
    const probing = feed(new TurnDetector(options), [
      [true, 600],
      [false, 180],
      [true, 40],
      [false, 400],
    ]);
    expect(probing.map((e) => [e.event.type, e.at])).toEqual([
      ['start', 200],
      ['pause', 840],
      ['end', 1100],
    ]);
    // The same at the end of the turn.
    const ending = feed(new TurnDetector({ minSpeechMs: 200, endOfTurnSilenceMs: 500 }), [
      [true, 600],
      [false, 480],
      [true, 40],
      [false, 200],
    ]);
    expect(ending.map((e) => [e.event.type, e.at])).toEqual([
      ['start', 200],
      ['end', 1140],
    ]);
  });

  it('reports one pause per silence, and the silence set for that pause ends the turn', () => {
    const detector = new TurnDetector(options);
    const events = feed(
      detector,
      [
        [true, 600],
        [false, 1000],
      ],
      (e) => {
        if (e.type === 'pause') detector.setEndOfTurnSilence(e.probe, 300);
      },
    );
    expect(events.map((e) => [e.event.type, e.at])).toEqual([
      ['start', 200],
      ['pause', 800],
      ['end', 900],
    ]);
  });

  it('an unfinished verdict holds the turn over a pause longer than the fixed silence', () => {
    const detector = new TurnDetector(options);
    const events = feed(
      detector,
      [
        [true, 600],
        [false, 800],
        [true, 400],
        [false, 600],
      ],
      (e) => {
        if (e.type === 'pause' && e.probe === 1) detector.setEndOfTurnSilence(e.probe, 1200);
      },
    );
    // Speaking on after the first pause voids what was judged (or started) there.
    expect(events.map((e) => e.event.type)).toEqual(['start', 'pause', 'resume', 'pause', 'end']);
    // The second silence went back to the fixed 500 ms.
    expect(events.at(-1)!.at).toBe(600 + 800 + 400 + 500);
  });

  it('a verdict for an old pause (the caller spoke again since) changes nothing', () => {
    const detector = new TurnDetector(options);
    let first = 0;
    feed(
      detector,
      [
        [true, 600],
        [false, 300],
        [true, 200],
      ],
      (e) => {
        if (e.type === 'pause') first = e.probe;
      },
    );
    detector.setEndOfTurnSilence(first, 5000);
    const events = feed(detector, [[false, 600]]);
    expect(events.map((e) => e.event.type)).toEqual(['pause', 'end']);
  });
});

describe('TurnDetector: whether a turn ended in a probed pause', () => {
  it('says so when the silence that ended the turn was probed, and not when probes are off', () => {
    const probed = feed(new TurnDetector({ minSpeechMs: 200, endOfTurnSilenceMs: 500, probeSilenceMs: 200 }), [
      [true, 600],
      [false, 600],
    ]);
    expect(probed.at(-1)!.event).toEqual({ type: 'end', speechEndMs: 600, afterProbe: true });
    const plain = feed(new TurnDetector({ minSpeechMs: 200, endOfTurnSilenceMs: 500 }), [
      [true, 600],
      [false, 600],
    ]);
    expect(plain.at(-1)!.event).toEqual({ type: 'end', speechEndMs: 600 });
  });
});
