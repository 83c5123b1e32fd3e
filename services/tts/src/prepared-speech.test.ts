import { describe, expect, it, vi } from 'vitest';
import { FakeTts } from '@audexly/providers/testing';
import { Registry, turnSpanId } from '@audexly/telemetry';
import { captureSpans } from '@audexly/telemetry/testing';
import { descriptor, lastOf, runCall, TtsTestCall, ttsHandler, type Out } from './test/harness.js';
import { createTtsMetrics, type TtsMetrics } from './tts-metrics.js';

/** One call on the TTS stage, in memory, with its own metrics. */
async function withCall(fake: FakeTts, body: (t: TtsTestCall, metrics: TtsMetrics) => Promise<void>): Promise<void> {
  const metrics = createTtsMetrics(new Registry());
  await runCall(ttsHandler(fake, { TTS_PHRASE_CACHE: 'false' }, metrics), new TtsTestCall(descriptor()), (t) =>
    body(t, metrics),
  );
}

async function outcomes(metrics: TtsMetrics): Promise<Record<string, number>> {
  const { values } = await metrics.preparedSentences.get();
  return Object.fromEntries(values.map((v) => [String(v.labels.outcome), v.value]));
}

const bytesOf = (out: Out[], turn: number, segment: number) =>
  out.filter((o) => o.turn === turn && o.segment === segment).reduce((n, o) => n + o.bytes, 0);

/** FakeTts: 50 ms of 8 kHz 16-bit audio per character. */
const audioBytes = (text: string) => text.length * 50 * 16;

const FIRST = 'Sure, turning now.';

/** The fake provider's requests say nothing to the call's waiters: poll them. */
const synthesised = (condition: () => boolean) =>
  vi.waitFor(() => expect(condition()).toBe(true), { timeout: 5000, interval: 5 });

describe('a speculative answer’s first sentence synthesised ahead (reply.prepare)', () => {
  it.each([
    ['after its synthesis has finished', true],
    ['while it is still being synthesised', false],
  ])('is played for the segment that says it, %s: the provider synthesises it once', async (_, waitForIt) => {
    // Nine chunks 100 ms apart: the segment comes while the synthesis has most of a second to go.
    const fake = new FakeTts({ msPerChar: 50, chunkMs: 100, chunkDelayMs: waitForIt ? 5 : 100 });
    await withCall(fake, async (t, metrics) => {
      t.prepare(3, FIRST);
      await synthesised(() => fake.requests.length === 1 && (!waitForIt || fake.requests[0]!.completed));
      expect(fake.requests[0]!.completed).toBe(waitForIt);
      expect(t.out).toEqual([]); // nothing is heard before the turn says it
      t.segment(3, 0, FIRST);
      t.segment(3, 1, 'Anything else?');
      const out = await t.until(lastOf(3, 1));
      expect(fake.requests.map((r) => [r.text, r.completed])).toEqual([
        [FIRST, true],
        ['Anything else?', true],
      ]);
      expect(bytesOf(out, 3, 0)).toBe(audioBytes(FIRST));
      expect(bytesOf(out, 3, 1)).toBe(audioBytes('Anything else?'));
      expect(out.map((o) => o.seq)).toEqual(out.map((_, i) => i));
      // The first message says how long the segment waited for audio (its provider time as the turn sees it).
      expect(out.find((o) => o.segment === 0)!.providerMs).toBeGreaterThanOrEqual(0);
      expect(await outcomes(metrics)).toEqual({ used: 1 });
    });
  });

  it('ends when the next segment says something else, which is synthesised itself', async () => {
    const fake = new FakeTts({ msPerChar: 50, chunkMs: 20, chunkDelayMs: 10 });
    await withCall(fake, async (t, metrics) => {
      t.prepare(3, FIRST);
      await synthesised(() => fake.requests.length === 1);
      t.segment(3, 0, 'Let me check that for you.');
      const out = await t.until(lastOf(3, 0));
      expect(fake.requests.map((r) => [r.text, r.completed])).toEqual([
        [FIRST, false],
        ['Let me check that for you.', true],
      ]);
      expect(bytesOf(out, 3, 0)).toBe(audioBytes('Let me check that for you.'));
      expect(await outcomes(metrics)).toEqual({ unused: 1 });
    });
  });

  it('is replaced by a newer one (the caller paused again): the older is never heard', async () => {
    const fake = new FakeTts({ msPerChar: 50, chunkMs: 20, chunkDelayMs: 10 });
    await withCall(fake, async (t, metrics) => {
      t.prepare(3, 'Okay.');
      await synthesised(() => fake.requests.length === 1);
      t.prepare(3, FIRST);
      await synthesised(() => fake.requests.length === 2);
      t.segment(3, 0, FIRST);
      const out = await t.until(lastOf(3, 0));
      expect(fake.requests.map((r) => [r.text, r.completed])).toEqual([
        ['Okay.', false],
        [FIRST, true],
      ]);
      expect(bytesOf(out, 3, 0)).toBe(audioBytes(FIRST));
      expect(await outcomes(metrics)).toEqual({ used: 1, unused: 1 });
    });
  });

  it('is left alone by an earlier turn’s segment, and ended by an interrupt of its own turn', async () => {
    const fake = new FakeTts({ msPerChar: 50, chunkMs: 20, chunkDelayMs: 2 });
    await withCall(fake, async (t, metrics) => {
      t.prepare(3, FIRST);
      await synthesised(() => fake.requests.length === 1 && fake.requests[0]!.completed);
      // The agent still says a sentence of turn 2 (say after a tool call): synthesised as usual.
      t.segment(2, 1, 'One moment please.');
      await t.until(lastOf(2, 1));
      t.segment(3, 0, FIRST);
      await t.until(lastOf(3, 0));
      expect(fake.requests.map((r) => r.text)).toEqual([FIRST, 'One moment please.']);
      expect(await outcomes(metrics)).toEqual({ used: 1 });

      t.prepare(4, 'Okay.');
      await synthesised(() => fake.requests.length === 3);
      t.interrupt(4);
      await vi.waitFor(async () => expect(await outcomes(metrics)).toEqual({ used: 1, unused: 1 }));
      t.segment(5, 0, 'Okay.');
      await t.until(lastOf(5, 0));
      expect(fake.requests.map((r) => r.text)).toEqual([FIRST, 'One moment please.', 'Okay.', 'Okay.']);
    });
  });

  it('is dropped unheard when the call ends before any segment', async () => {
    const fake = new FakeTts({ msPerChar: 50, chunkMs: 20, chunkDelayMs: 10 });
    let metrics: TtsMetrics | undefined;
    await withCall(fake, async (t, m) => {
      metrics = m;
      t.prepare(3, FIRST);
      await synthesised(() => fake.requests.length === 1);
    });
    expect(fake.requests.map((r) => [r.text, r.completed])).toEqual([[FIRST, false]]);
    expect(await outcomes(metrics!)).toEqual({ unused: 1 });
  });

  it('traces each sentence as tts.prepare beneath the turn it would start, with its provider request: used or unused', async () => {
    const fake = new FakeTts({ msPerChar: 50, chunkMs: 20, chunkDelayMs: 2 });
    const capture = captureSpans();
    try {
      let callId = '';
      await withCall(fake, async (t) => {
        callId = t.call.callId;
        t.prepare(3, 'Okay.');
        await synthesised(() => fake.requests.length === 1);
        t.prepare(3, FIRST);
        t.segment(3, 0, FIRST);
        await t.until(lastOf(3, 0));
      });
      await vi.waitFor(() => expect(capture.spans().filter((s) => s.name === 'tts.prepare')).toHaveLength(2));
      const spans = capture.spans();
      const prepares = spans.filter((s) => s.name === 'tts.prepare');
      expect(prepares.map((s) => s.attributes['audexly.tts.prepared'])).toEqual(['unused', 'used']);
      for (const span of prepares) {
        expect(span.parentSpanId).toBe(turnSpanId(callId, 3));
        expect(spans.filter((s) => s.parentSpanId === span.spanId).map((s) => s.name)).toEqual(['sarvam tts']);
      }
      const segment = spans.find((s) => s.name === 'tts.segment')!;
      expect(segment.attributes['audexly.tts.prepared']).toBe('used');
    } finally {
      capture.stop();
    }
  });
});
