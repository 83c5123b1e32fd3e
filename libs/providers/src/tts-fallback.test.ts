import { startFakeSarvam, synthesizeSpeech } from '@audexly/testing';
import type { FakeSarvam } from '@audexly/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSarvamClient } from './sarvam/client.js';
import { FallbackTts } from './tts-fallback.js';
import { SarvamRestTts } from './sarvam/rest-tts.js';
import { SarvamStreamingTts } from './sarvam/streaming-tts.js';

let sarvam: FakeSarvam;
beforeEach(async () => {
  sarvam = await startFakeSarvam();
});
afterEach(() => sarvam.close());

async function collect(chunks: AsyncIterable<Buffer>): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const c of chunks) out.push(c);
  return Buffer.concat(out);
}

describe('FallbackTts', () => {
  it('speaks the segment whose socket failed over REST, and every later one too', async () => {
    sarvam.inject({ on: 'tts-ws', close: 1011 });
    const client = createSarvamClient({ apiKey: 'test-key', baseUrl: sarvam.url, maxRetries: 0 });
    const fallbacks: unknown[] = [];
    const tts = new FallbackTts(new SarvamStreamingTts(client), new SarvamRestTts(client), (err) =>
      fallbacks.push(err),
    );
    const session = await tts.openSession({
      sampleRate: 8000,
      language: 'hi-IN',
      model: 'bulbul:v2',
      speaker: 'anushka',
      pace: 1,
    });
    const first = await collect(session.synthesize('नमस्ते, आप कैसे हैं?'));
    expect(first.equals(await synthesizeSpeech({ text: 'नमस्ते, आप कैसे हैं?', voice: 'hi', sampleRate: 8000 }))).toBe(true);
    await collect(session.synthesize('Second sentence.'));
    expect(fallbacks).toHaveLength(1);
    expect(sarvam.requests.filter((r) => r.endpoint === 'tts-ws')).toHaveLength(1);
    const rest = sarvam.requests.filter((r) => r.endpoint === 'tts-rest');
    expect(rest.map((r) => r.params.text)).toEqual(['नमस्ते, आप कैसे हैं?', 'Second sentence.']);
    expect(rest[0]!.params).toMatchObject({
      language_code: 'hi-IN',
      speaker: 'anushka',
      model: 'bulbul:v2',
      speech_sample_rate: 8000,
    });
    await session.close();
  });

  it('keeps using the socket while it works', async () => {
    const client = createSarvamClient({ apiKey: 'test-key', baseUrl: sarvam.url, maxRetries: 0 });
    const tts = new FallbackTts(new SarvamStreamingTts(client), new SarvamRestTts(client));
    const session = await tts.openSession({
      sampleRate: 8000,
      language: 'en-IN',
      model: 'bulbul:v2',
      speaker: 'anushka',
      pace: 1,
    });
    expect((await collect(session.synthesize('One.'))).byteLength).toBeGreaterThan(0);
    expect((await collect(session.synthesize('Two.'))).byteLength).toBeGreaterThan(0);
    expect(sarvam.requests.filter((r) => r.endpoint === 'tts-rest')).toHaveLength(0);
    await session.close();
  });
});
