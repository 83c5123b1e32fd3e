import { bytesForMs, rms } from '@audexly/audio';
import { ErrorCode } from '@audexly/protocol';
import { startFakeSarvam, synthesizeSpeech } from '@audexly/testing';
import type { FakeSarvam } from '@audexly/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TtsOptions } from '../tts.js';
import { createSarvamClient } from './client.js';
import { SarvamRestTts } from './rest-tts.js';

let sarvam: FakeSarvam;
beforeEach(async () => {
  sarvam = await startFakeSarvam();
});
afterEach(() => sarvam.close());

async function collect(chunks: AsyncIterable<Buffer>): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const c of chunks) out.push(c);
  return out;
}

const voice = (sampleRate: 8000 | 16000): TtsOptions => ({
  sampleRate,
  language: 'hi-IN',
  model: 'bulbul:v2',
  speaker: 'anushka',
  pace: 1.2,
});
const tts = (apiKey = 'test-key'): SarvamRestTts =>
  new SarvamRestTts(createSarvamClient({ apiKey, baseUrl: sarvam.url, maxRetries: 0 }));

describe('SarvamRestTts', () => {
  it.each([8000, 16000] as const)('yields real speech at %i Hz in 100 ms chunks', async (rate) => {
    const text = 'आपका बैलेंस चार हज़ार रुपये है।';
    const session = await tts().openSession(voice(rate));
    const chunks = await collect(session.synthesize(text));
    const pcm = Buffer.concat(chunks);
    expect(chunks[0]!.byteLength).toBe(bytesForMs(100, rate));
    expect(pcm.byteLength / 2 / rate).toBeGreaterThan(1);
    expect(rms(pcm)).toBeGreaterThan(0.02);
    expect(pcm.equals(await synthesizeSpeech({ text, voice: 'hi', sampleRate: rate, pace: 1.2 }))).toBe(true);
    const log = sarvam.requests.find((r) => r.endpoint === 'tts-rest')!;
    expect(log.params).toMatchObject({
      text,
      language_code: 'hi-IN',
      speaker: 'anushka',
      model: 'bulbul:v2',
      pace: 1.2,
      speech_sample_rate: rate,
    });
    await session.close();
  });

  it('maps a 429 to a retryable error and a bad key to a final one', async () => {
    sarvam.inject({ on: 'tts-rest', status: 429 });
    const session = await tts().openSession(voice(8000));
    await expect(collect(session.synthesize('hello'))).rejects.toMatchObject({
      code: ErrorCode.ttsUpstream,
      retryable: true,
    });
    const denied = await tts('nope').openSession(voice(8000));
    await expect(collect(denied.synthesize('hello'))).rejects.toMatchObject({ retryable: false });
  });

  it('stops quietly when aborted before the audio arrives', async () => {
    const session = await tts().openSession(voice(8000));
    const turn = new AbortController();
    const chunks = collect(session.synthesize('A sentence nobody will hear.', turn.signal));
    turn.abort();
    expect(await chunks).toEqual([]);
  });
});
