import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Pacer, type PacerClock, type SendInfo } from './pacer.js';
import { SharedTicker } from './shared-ticker.js';

/** A clock on vitest's fake timers. */
const fakeClock: PacerClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

const RATE = 8000;
const chunk100ms = () => Buffer.alloc(1600); // 100 ms at 8 kHz

function setup(leadMs = 250) {
  const sent: { at: number; kind: 'media' | 'mark'; playAt?: number; late?: boolean; name?: string }[] = [];
  const pacer = new Pacer<null>({
    sampleRate: RATE,
    leadMs,
    clock: fakeClock,
    sendMedia: (_item, info) => sent.push({ at: Date.now(), kind: 'media', playAt: info.playAt, late: info.late }),
    sendMark: (item) => sent.push({ at: Date.now(), kind: 'mark', name: item.name }),
  });
  return { pacer, sent };
}

/** A pacer (lead 250 ms) on `clock` that keeps the SendInfo of every chunk it sends. */
function withSendInfos(clock: PacerClock) {
  const infos: SendInfo[] = [];
  const pacer = new Pacer<null>({
    sampleRate: RATE,
    clock,
    sendMedia: (_item, info) => infos.push(info),
    sendMark: () => undefined,
  });
  return { pacer, infos };
}

describe('pacer', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('paused, sends nothing more and drops nothing; resumed, sends the rest in order from where it stopped', () => {
    const { pacer, sent } = setup(250);
    for (let i = 0; i < 10; i++) pacer.enqueue({ kind: 'media', pcm: chunk100ms(), meta: null });
    pacer.enqueue({ kind: 'mark', name: 'm', meta: null });
    vi.advanceTimersByTime(300);
    const before = sent.length;
    expect(before).toBeGreaterThan(0);
    expect(before).toBeLessThan(10);
    pacer.pause();
    pacer.enqueue({ kind: 'media', pcm: chunk100ms(), meta: null });
    vi.advanceTimersByTime(2000);
    expect(sent).toHaveLength(before);
    expect(pacer.isPaused).toBe(true);
    // What was sent before the pause has played out.
    expect(pacer.bufferedMs()).toBe(0);
    pacer.resume();
    const resumedAt = Date.now();
    vi.advanceTimersByTime(2000);
    expect(sent.map((s) => s.kind)).toEqual([...Array<string>(10).fill('media'), 'mark', 'media']);
    // The lead is rebuilt from the resume: the first chunk after it plays at once.
    expect(sent[before]!.playAt).toBe(resumedAt);
  });

  it('never has more than the lead of audio sent ahead of the playout clock', () => {
    const { pacer, sent } = setup(250);
    for (let i = 0; i < 50; i++) pacer.enqueue({ kind: 'media', pcm: chunk100ms(), meta: null });
    let maxAhead = 0;
    for (let t = 0; t < 6000; t += 5) {
      vi.advanceTimersByTime(5);
      maxAhead = Math.max(maxAhead, pacer.bufferedMs());
    }
    expect(sent).toHaveLength(50);
    expect(maxAhead).toBeLessThanOrEqual(250);
    // Each chunk is sent no earlier than lead before it plays.
    for (const s of sent) expect(s.playAt! - s.at).toBeLessThanOrEqual(250);
  });

  it('on the shared ticker (timeouts up to a tick early) the lead stays within one tick of the bound', () => {
    vi.useRealTimers();
    vi.useFakeTimers({ now: 1_000_000, toFake: ['setInterval', 'clearInterval', 'performance', 'Date'] });
    const ticker = new SharedTicker(5);
    const sent: { at: number; playAt: number }[] = [];
    const pacer = new Pacer<null>({
      sampleRate: RATE,
      leadMs: 250,
      clock: ticker,
      sendMedia: (_i, info) => sent.push({ at: ticker.now(), playAt: info.playAt }),
      sendMark: () => undefined,
    });
    for (let i = 0; i < 50; i++) pacer.enqueue({ kind: 'media', pcm: chunk100ms(), meta: null });
    let maxAhead = 0;
    for (let t = 0; t < 6000; t += 1) {
      vi.advanceTimersByTime(1);
      maxAhead = Math.max(maxAhead, pacer.bufferedMs());
    }
    expect(sent).toHaveLength(50);
    expect(maxAhead).toBeLessThanOrEqual(255);
    expect(maxAhead).toBeGreaterThan(200);
    ticker.stop();
  });

  it('sends at real time on average: 5 s of audio takes about 5 s minus the lead', () => {
    const { pacer, sent } = setup(250);
    const start = Date.now();
    for (let i = 0; i < 50; i++) pacer.enqueue({ kind: 'media', pcm: chunk100ms(), meta: null });
    vi.advanceTimersByTime(10_000);
    const span = sent.at(-1)!.at - start;
    expect(span).toBeGreaterThanOrEqual(5000 - 250 - 100);
    expect(span).toBeLessThanOrEqual(5000);
    // Playout positions are contiguous: chunk i plays at start + i × 100 ms.
    sent.forEach((s, i) => expect(s.playAt).toBe(start + i * 100));
    expect(sent.some((s) => s.late)).toBe(false);
  });

  it('says how long the playout ran dry before a chunk that came after the audio before it had played', () => {
    const { pacer, infos } = withSendInfos(fakeClock);
    const media = () => pacer.enqueue({ kind: 'media', pcm: chunk100ms(), meta: null });
    media();
    media();
    vi.advanceTimersByTime(350);
    media(); // 150 ms after the 200 ms sent had played: it came late, the pacer did not send it late
    expect(infos.map((i) => [i.dryMs, i.lateByMs])).toEqual([
      [0, 0],
      [0, 0],
      [150, 0],
    ]);
    // Silences the platform chose are not dry spells: after a clear, and after a pause.
    pacer.clear();
    vi.advanceTimersByTime(500);
    media();
    pacer.pause();
    vi.advanceTimersByTime(500);
    pacer.resume();
    media();
    expect(infos.slice(3).map((i) => i.dryMs)).toEqual([0, 0]);
  });

  it('a chunk the pacer sends late after the audio before it has played ran dry too, and is late', () => {
    const sleepy: PacerClock = { ...fakeClock, setTimeout: (fn, ms) => setTimeout(fn, ms + 200) };
    const { pacer, infos } = withSendInfos(sleepy);
    for (let i = 0; i < 3; i++) pacer.enqueue({ kind: 'media', pcm: chunk100ms(), meta: null });
    vi.advanceTimersByTime(1000);
    // The third was due at 50 ms (200 ms sent, a lead of 250) and went out at 250 ms.
    expect(infos[2]).toMatchObject({ dryMs: 50, lateByMs: 200, late: true });
  });

  it('sends a mark right after the audio before it', () => {
    const { pacer, sent } = setup(250);
    for (let i = 0; i < 5; i++) pacer.enqueue({ kind: 'media', pcm: chunk100ms(), meta: null });
    pacer.enqueue({ kind: 'mark', name: 't0s0', meta: null });
    vi.advanceTimersByTime(1000);
    expect(sent.map((s) => s.kind)).toEqual(['media', 'media', 'media', 'media', 'media', 'mark']);
    expect(sent[5]!.at).toBe(sent[4]!.at);
  });

  it('clear drops the queue at once and restarts pacing from now', () => {
    const { pacer, sent } = setup(250);
    for (let i = 0; i < 30; i++) pacer.enqueue({ kind: 'media', pcm: chunk100ms(), meta: null });
    vi.advanceTimersByTime(1000);
    const before = sent.length;
    expect(before).toBeLessThan(30);
    const dropped = pacer.clear();
    expect(dropped.length).toBe(30 - before);
    expect(pacer.queued).toBe(0);
    expect(pacer.bufferedMs()).toBe(0);
    vi.advanceTimersByTime(5000);
    expect(sent.length).toBe(before);
    pacer.enqueue({ kind: 'media', pcm: chunk100ms(), meta: null });
    expect(sent.length).toBe(before + 1);
    expect(sent.at(-1)!.playAt).toBe(Date.now());
  });

  it('sends a chunk longer than the lead when nothing is buffered', () => {
    const { pacer, sent } = setup(50);
    pacer.enqueue({ kind: 'media', pcm: chunk100ms(), meta: null });
    pacer.enqueue({ kind: 'media', pcm: chunk100ms(), meta: null });
    expect(sent).toHaveLength(1);
    vi.advanceTimersByTime(100);
    expect(sent).toHaveLength(2);
  });
});
