import { describe, expect, it } from 'vitest';
import type { AgentConfigInput, CallDescriptor } from '@audexly/protocol';
import type { CallPortHandler } from '@audexly/stage';
import { FakeTts } from '@audexly/providers/testing';
import { startFakeSarvam } from '@audexly/testing';
import { audioBytes, descriptor as baseDescriptor, lastOf, runCall, TtsTestCall, ttsHandler } from './test/harness.js';

const GREETING = 'Namaste! Thank you for calling Audexly.';

function descriptor(agent: Partial<AgentConfigInput> = {}): CallDescriptor {
  return baseDescriptor({ id: 'cache-agent', greeting: GREETING, ...agent });
}

/** One call on a TTS stage whose work (and greeting cache) serves every call of the test. */
function call(
  handler: CallPortHandler,
  descriptor: CallDescriptor,
  body: (t: TtsTestCall) => Promise<void>,
): Promise<void> {
  return runCall(handler, new TtsTestCall(descriptor), body);
}

describe('greeting cache', () => {
  it('synthesises the agent greeting and phrases once at claim time and serves later calls from memory', async () => {
    const fake = new FakeTts({ msPerChar: 40, chunkMs: 100, chunkDelayMs: 5 });
    const tts = ttsHandler(fake);
    await call(tts, descriptor(), async (first) => {
      // The greeting arrives while the cache is still being filled: it streams from the same synthesis.
      first.segment(0, 0, GREETING);
      await first.until(lastOf(0, 0));
      expect(audioBytes(first.out, 0, 0)).toBe(GREETING.length * 40 * 16);
    });
    await call(tts, descriptor(), async (second) => {
      second.segment(0, 0, GREETING);
      second.segment(1, 0, 'Sorry, I did not catch that.');
      second.segment(2, 0, "Sorry, I'm having trouble right now. Could you say that again?");
      await second.until(lastOf(2, 0));
      expect(audioBytes(second.out, 0, 0)).toBe(GREETING.length * 40 * 16);
      expect(audioBytes(second.out, 2, 0)).toBeGreaterThan(0);
    });
    const texts = fake.requests.map((r) => r.text);
    expect(texts.filter((t) => t === GREETING)).toHaveLength(1);
    expect(texts.filter((t) => t === "Sorry, I'm having trouble right now. Could you say that again?")).toHaveLength(1);
    // Only the text that is no phrase went to the provider during the calls.
    expect(texts.filter((t) => t === 'Sorry, I did not catch that.')).toHaveLength(1);
    expect(new Set(texts).size).toBe(texts.length);
  });

  it('keeps separate audio per voice and rate', async () => {
    const fake = new FakeTts({ msPerChar: 40 });
    const tts = ttsHandler(fake);
    await call(tts, descriptor(), async (a) => {
      a.segment(0, 0, GREETING);
      await a.until(lastOf(0, 0));
    });
    await call(tts, { ...descriptor({ tts: { speaker: 'vidya' } }), sampleRate: 16000 }, async (b) => {
      b.segment(0, 0, GREETING);
      await b.until(lastOf(0, 0));
      expect(audioBytes(b.out, 0, 0)).toBe(GREETING.length * 40 * 32);
    });
    expect(
      fake.requests.filter((r) => r.text === GREETING).map((r) => [r.options.speaker, r.options.sampleRate]),
    ).toEqual([
      ['anushka', 8000],
      ['vidya', 16000],
    ]);
  });
});

describe('interrupt', () => {
  it('publishes nothing more of a turn once the interrupt arrives, wherever the slow provider is in it', async () => {
    // 100 ms between chunks, as a slow provider: the interrupt lands while TTS waits for audio.
    const fake = new FakeTts({ msPerChar: 60, chunkMs: 60, chunkDelayMs: 100 });
    const tts = ttsHandler(fake, { TTS_PHRASE_CACHE: 'false' });
    for (let chunks = 1; chunks <= 3; chunks++) {
      await call(tts, descriptor(), async (c) => {
        c.segment(1, 0, 'This is a rather long sentence that takes many chunks to speak out loud.');
        c.segment(1, 1, 'Never spoken.');
        await c.until(() => c.out.filter((o) => o.turn === 1 && !o.last).length >= chunks);
        c.interrupt(1);
        const atInterrupt = c.out.length;
        c.segment(2, 0, 'Ok.');
        await c.until(lastOf(2, 0));
        const turn1 = c.out.filter((o) => o.turn === 1);
        expect(turn1.some((o) => o.last || o.segment === 1)).toBe(false);
        // Everything of turn 1 went out before the interrupt.
        expect(c.out.slice(atInterrupt).every((o) => o.turn === 2)).toBe(true);
      });
    }
    expect(fake.requests.filter((r) => r.text.startsWith('This is')).every((r) => !r.completed)).toBe(true);
  });
});

describe('REST fallback', () => {
  it('speaks a segment over REST when the Sarvam socket fails, and the rest of the call too', async () => {
    const sarvam = await startFakeSarvam();
    sarvam.inject({ on: 'tts-ws', close: 1011 });
    try {
      const tts = ttsHandler(undefined, {
        SARVAM_API_KEY: 'test-key',
        SARVAM_BASE_URL: sarvam.url,
        TTS_PHRASE_CACHE: 'false',
      });
      await call(tts, descriptor({ tts: { language: 'hi-IN' } }), async (c) => {
        c.segment(1, 0, 'नमस्ते, आप कैसे हैं?');
        c.segment(1, 1, 'Second one.');
        await c.until(lastOf(1, 1));
        expect(audioBytes(c.out, 1, 0)).toBeGreaterThan(8000 * 2 * 0.5);
        expect(audioBytes(c.out, 1, 1)).toBeGreaterThan(0);
      });
      expect(sarvam.requests.filter((r) => r.endpoint === 'tts-rest').map((r) => r.params.text)).toEqual([
        'नमस्ते, आप कैसे हैं?',
        'Second one.',
      ]);
    } finally {
      await sarvam.close();
    }
  });
});
