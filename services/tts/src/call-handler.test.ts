import { describe, expect, it } from 'vitest';
import { AudexlyError, ErrorCode, type AgentConfigInput } from '@audexly/protocol';
import type { TtsProvider } from '@audexly/providers';
import { FakeTts } from '@audexly/providers/testing';
import { startFakeSarvam } from '@audexly/testing';
import { descriptor, lastOf, runCall, TtsTestCall, ttsHandler } from './test/harness.js';

/** One call on the TTS stage, in memory (greeting cache off unless `env` turns it on). */
async function withCall(
  provider: TtsProvider | undefined,
  agent: Partial<AgentConfigInput>,
  env: Record<string, string>,
  body: (t: TtsTestCall) => Promise<void>,
): Promise<void> {
  await runCall(ttsHandler(provider, { TTS_PHRASE_CACHE: 'false', ...env }), new TtsTestCall(descriptor(agent)), body);
}

describe('the TTS stage', () => {
  it('speaks the segments of a turn in order on audio.out, each closed by a Last message', async () => {
    const fake = new FakeTts({ msPerChar: 50, chunkMs: 100 });
    await withCall(fake, { tts: { speaker: 'vidya', language: 'en-IN', pace: 1.1 } }, {}, async (t) => {
      t.segment(1, 0, 'Your order ships tomorrow.');
      t.segment(1, 1, 'Anything else?');
      const out = await t.until(lastOf(1, 1));
      expect(out.map((o) => o.seq)).toEqual(out.map((_, i) => i));
      expect(out.every((o) => o.turn === 1 && o.rate === 8000)).toBe(true);
      const lastIndexes = out.flatMap((o, i) => (o.last ? [i] : []));
      expect(lastIndexes).toHaveLength(2);
      const seg0 = out.slice(0, lastIndexes[0]! + 1);
      const seg1 = out.slice(lastIndexes[0]! + 1);
      expect(seg0.every((o) => o.segment === 0)).toBe(true);
      expect(seg1.every((o) => o.segment === 1)).toBe(true);
      expect(out.filter((o) => !o.last).every((o) => o.bytes > 0)).toBe(true);
      // 50 ms of audio per character at 8 kHz, 16-bit.
      const bytes0 = seg0.reduce((n, o) => n + o.bytes, 0);
      expect(bytes0).toBe('Your order ships tomorrow.'.length * 50 * 16);
      expect(fake.requests.map((r) => r.text)).toEqual(['Your order ships tomorrow.', 'Anything else?']);
      expect(fake.requests[0]!.options).toMatchObject({
        sampleRate: 8000,
        speaker: 'vidya',
        language: 'en-IN',
        pace: 1.1,
        model: 'bulbul:v2',
      });
    });
  });

  it('stamps the time spent inside the provider on the first audio message of each segment only', async () => {
    const fake = new FakeTts({ msPerChar: 50, chunkMs: 100, chunkDelayMs: 30 });
    await withCall(fake, {}, {}, async (t) => {
      t.segment(1, 0, 'Your order ships tomorrow.');
      t.segment(1, 1, 'Anything else?');
      const out = await t.until(lastOf(1, 1));
      for (const seg of [0, 1]) {
        const messages = out.filter((o) => o.segment === seg);
        expect(messages.length).toBeGreaterThan(2);
        // The provider waits 30 ms before its first chunk: that wait is provider time.
        expect(messages[0]!.providerMs).toBeGreaterThanOrEqual(29);
        expect(messages.slice(1).every((o) => o.providerMs === undefined)).toBe(true);
      }
    });
  });

  it('stops a turn on control.interrupt, drops its queued segments, and speaks the next turn', async () => {
    const fake = new FakeTts({ msPerChar: 60, chunkMs: 20, chunkDelayMs: 10 });
    await withCall(fake, {}, {}, async (t) => {
      t.segment(1, 0, 'This is a rather long sentence that takes many chunks to speak out loud.');
      t.segment(1, 1, 'And this one should never be spoken.');
      await t.until((o) => o.turn === 1 && !o.last);
      t.interrupt(1);
      t.segment(2, 0, 'Okay.');
      const out = await t.until(lastOf(2, 0));
      const turn1 = out.filter((o) => o.turn === 1);
      expect(turn1.some((o) => o.last)).toBe(false);
      expect(turn1.every((o) => o.segment === 0)).toBe(true);
      const firstTurn2 = out.findIndex((o) => o.turn === 2);
      expect(out.slice(firstTurn2).every((o) => o.turn === 2)).toBe(true);
      expect(fake.requests.map((r) => [r.text, r.completed])).toEqual([
        ['This is a rather long sentence that takes many chunks to speak out loud.', false],
        ['Okay.', true],
      ]);
    });
  });

  it('speaks a Hindi segment in Devanagari with the agent voice', async () => {
    const fake = new FakeTts();
    await withCall(fake, { tts: { language: 'hi-IN', speaker: 'anushka' } }, {}, async (t) => {
      t.segment(0, 0, 'नमस्ते, मैं आपकी क्या मदद कर सकती हूँ?');
      const out = await t.until(lastOf(0, 0));
      expect(out.filter((o) => !o.last).reduce((n, o) => n + o.bytes, 0)).toBeGreaterThan(0);
      expect(fake.requests[0]).toMatchObject({
        text: 'नमस्ते, मैं आपकी क्या मदद कर सकती हूँ?',
        options: { language: 'hi-IN' },
        completed: true,
      });
    });
  });

  it('resamples when the provider speaks at another rate than the call', async () => {
    const fake = new FakeTts({ msPerChar: 50 });
    await withCall(fake, {}, { TTS_PROVIDER_SAMPLE_RATE: '16000' }, async (t) => {
      t.segment(0, 0, 'Twenty characters!!!');
      const out = await t.until(lastOf(0, 0));
      expect(fake.requests[0]!.options.sampleRate).toBe(16000);
      // 1 s of audio at the call's 8 kHz, whatever the provider's rate.
      expect(out.reduce((n, o) => n + o.bytes, 0)).toBe(16000);
      expect(out.every((o) => o.rate === 8000)).toBe(true);
    });
  });

  it('without SARVAM_API_KEY reports one tts error per turn and still closes every segment', async () => {
    await withCall(undefined, {}, { SARVAM_API_KEY: '' }, async (t) => {
      t.segment(1, 0, 'One.');
      t.segment(1, 1, 'Two.');
      const out = await t.until(lastOf(1, 1));
      expect(out).toEqual([
        { turn: 1, segment: 0, seq: 0, rate: 8000, last: true, bytes: 0 },
        { turn: 1, segment: 1, seq: 1, rate: 8000, last: true, bytes: 0 },
      ]);
      expect(await t.port.waitFor('error')).toMatchObject({
        stage: 'tts',
        code: 'AUDEXLY_ERR_TTS_UPSTREAM',
        retryable: false,
        turn: 1,
      });
    });
  });

  it('reports a provider failure for the turn, skips that segment with its Last message, and goes on', async () => {
    const fake = new FakeTts();
    const flaky: TtsProvider = {
      name: 'flaky',
      async openSession(options) {
        const inner = await fake.openSession(options);
        return {
          synthesize: (text, signal) =>
            text.startsWith('FAIL')
              ? {
                  [Symbol.asyncIterator]: () => ({
                    next: () =>
                      Promise.reject(new AudexlyError(ErrorCode.ttsUpstream, 'Sarvam said no', { retryable: true })),
                  }),
                }
              : inner.synthesize(text, signal),
          close: () => inner.close(),
        };
      },
    };
    await withCall(flaky, {}, {}, async (t) => {
      t.segment(3, 0, 'FAIL this one.');
      t.segment(3, 1, 'This one works.');
      const out = await t.until(lastOf(3, 1));
      expect(out[0]).toMatchObject({ turn: 3, segment: 0, last: true, bytes: 0 });
      expect(out.slice(1).every((o) => o.segment === 1)).toBe(true);
      expect(out.slice(1, -1).every((o) => o.bytes > 0)).toBe(true);
      expect(await t.port.waitFor('error')).toMatchObject({
        stage: 'tts',
        code: 'AUDEXLY_ERR_TTS_UPSTREAM',
        retryable: true,
        turn: 3,
      });
    });
  });

  it('speaks through Sarvam streaming TTS configured by SARVAM_API_KEY and SARVAM_BASE_URL', async () => {
    const sarvam = await startFakeSarvam();
    try {
      await withCall(
        undefined,
        { tts: { language: 'hi-IN' } },
        { SARVAM_API_KEY: 'test-key', SARVAM_BASE_URL: sarvam.url },
        async (t) => {
          t.segment(0, 0, 'नमस्ते, आप कैसे हैं?');
          const out = await t.until(lastOf(0, 0));
          const bytes = out.filter((o) => !o.last).reduce((n, o) => n + o.bytes, 0);
          expect(bytes).toBeGreaterThan(8000 * 2 * 0.3);
          expect(bytes % 2).toBe(0);
          const ws = sarvam.requests.find((r) => r.endpoint === 'tts-ws');
          expect(ws?.texts.join('')).toContain('नमस्ते');
        },
      );
    } finally {
      await sarvam.close();
    }
  });
});
