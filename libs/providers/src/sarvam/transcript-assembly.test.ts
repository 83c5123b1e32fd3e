import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SttEvent } from '../stt.js';
import { TranscriptAssembly, type Outgoing } from './transcript-assembly.js';

const GRACE_MS = 150;

/** An assembly, what it emitted (`final:<text>` / `unplaced:<text>`) and what it sent to the socket. */
function setup() {
  const out: string[] = [];
  const sent: string[] = [];
  const a = new TranscriptAssembly(
    (e: SttEvent) => out.push(e.type === 'error' ? 'error' : `${e.type}:${e.text}`),
    (m: Outgoing) => sent.push(m.kind === 'audio' ? m.data : 'flush'),
    GRACE_MS,
  );
  return { a, out, sent, data: (text: string) => a.transcript({ text, language: 'en-IN', audioSeconds: 1 }) };
}

/** Lets the grace timer and the `setImmediate` after it run. */
async function passGrace(ms = GRACE_MS): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms);
  await vi.advanceTimersToNextTimerAsync();
}

describe('TranscriptAssembly: one final per flush, whatever Sarvam segments', () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'performance'] }));
  afterEach(() => vi.useRealTimers());

  it('when our flush comes first, waits for Sarvam to finish the segment it owes', async () => {
    const { a, out, sent, data } = setup();
    a.audio('u1');
    a.speechStarted();
    a.flush();
    expect(sent).toEqual(['u1', 'flush']);
    await passGrace(5 * GRACE_MS);
    expect(out).toEqual([]);
    data('go forward ten meters');
    expect(out).toEqual(['final:go forward ten meters']);
  });

  it("when Sarvam's own end of speech comes first, keeps its transcript for the flush and settles after the grace", async () => {
    const { a, out, data } = setup();
    a.audio('u1');
    a.speechStarted();
    data('go forward ten meters');
    expect(out).toEqual([]);
    a.flush();
    await vi.advanceTimersByTimeAsync(GRACE_MS - 1);
    expect(out).toEqual([]);
    await passGrace(1);
    expect(out).toEqual(['final:go forward ten meters']);
  });

  it('settles at once when Sarvam answers the flush with an empty transcript', () => {
    const { a, out, data } = setup();
    a.audio('u1');
    a.speechStarted();
    data('hello');
    a.flush();
    data('');
    expect(out).toEqual(['final:hello']);
  });

  it('joins the transcripts of a caller who paused into one final', () => {
    const { a, out, data } = setup();
    a.audio('u1a');
    a.speechStarted();
    data('my number is');
    a.audio('u1b');
    a.speechStarted();
    a.flush();
    data('nine eight four');
    expect(out).toEqual(['final:my number is nine eight four']);
  });

  it('answers a flush of pure silence with an empty final after the grace', async () => {
    const { a, out } = setup();
    a.audio('silence');
    a.flush();
    await passGrace();
    expect(out).toEqual(['final:']);
  });

  it('answers a flush with no audio at once, without asking Sarvam, in order', () => {
    const { a, out, sent, data } = setup();
    a.audio('u1');
    a.speechStarted();
    a.flush();
    a.flush();
    expect(sent).toEqual(['u1', 'flush']);
    expect(out).toEqual([]);
    data('first');
    expect(out).toEqual(['final:first', 'final:']);
  });

  it('holds the next utterance’s audio until the last one settles, so nothing about it is taken for the last one', () => {
    const { a, out, sent, data } = setup();
    a.audio('u1');
    a.flush();
    a.audio('u2a');
    a.audio('u2b');
    a.flush();
    expect(sent).toEqual(['u1', 'flush']);
    // Sarvam's VAD heard the first utterance only now (it lags): its answer is the first one's.
    a.speechStarted();
    data('first');
    expect(out).toEqual(['final:first']);
    expect(sent).toEqual(['u1', 'flush', 'u2a', 'u2b', 'flush']);
    a.speechStarted();
    data('second');
    expect(out).toEqual(['final:first', 'final:second']);
  });

  it('lets the next utterance’s audio go once the grace of a silent flush is over', async () => {
    const { a, out, sent, data } = setup();
    a.audio('u1');
    a.speechStarted();
    data('first');
    a.flush();
    a.audio('u2');
    expect(sent).toEqual(['u1', 'flush']);
    await passGrace();
    expect(out).toEqual(['final:first']);
    expect(sent).toEqual(['u1', 'flush', 'u2']);
  });

  it('reports text that comes when nothing waits as unplaced, and never drops it', async () => {
    const { a, out, data } = setup();
    a.audio('u1');
    a.speechStarted();
    data('hello');
    a.flush();
    await passGrace();
    a.speechStarted();
    data('there');
    expect(out).toEqual(['final:hello', 'unplaced:there']);
  });

  it('is idle only when nothing is owed', () => {
    const { a, data } = setup();
    expect(a.idle).toBe(true);
    a.audio('u1');
    expect(a.idle).toBe(false);
    a.speechStarted();
    a.flush();
    expect(a.idle).toBe(false);
    data('x');
    expect(a.idle).toBe(true);
  });

  it('an interim transcript is reported with the segments of its interval already final, never on its own for audio answered', async () => {
    const { a, out, data } = setup();
    a.partial('ignored: no audio yet');
    a.audio('u1');
    a.speechStarted();
    a.partial('my number');
    data('my number is'); // Sarvam's own end of speech inside the utterance
    a.speechStarted();
    a.partial('nine eight');
    expect(out).toEqual(['partial:my number', 'partial:my number is nine eight']);
    a.flush();
    data('nine eight seven.');
    await passGrace();
    expect(out.at(-1)).toBe('final:my number is nine eight seven.');
  });
});
