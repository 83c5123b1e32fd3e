import { rms } from '@audexly/audio';
import { ErrorCode } from '@audexly/protocol';
import { startFakeSarvam, synthesizeSpeech } from '@audexly/testing';
import type { FakeSarvam } from '@audexly/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TtsOptions, TtsSession } from '../tts.js';
import { createSarvamClient } from './client.js';
import { SarvamStreamingTts } from './streaming-tts.js';

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
  language: 'en-IN',
  model: 'bulbul:v2',
  speaker: 'anushka',
  pace: 1,
});

describe('SarvamStreamingTts', () => {
  let session: TtsSession;
  const open = async (options: TtsOptions): Promise<TtsSession> =>
    (session = await new SarvamStreamingTts(
      createSarvamClient({ apiKey: 'test-key', baseUrl: sarvam.url }),
    ).openSession(options));
  afterEach(() => session.close());

  it.each([8000, 16000] as const)('streams real speech as PCM at %i Hz', async (rate) => {
    const text = 'Your balance is four thousand rupees.';
    const chunks = await collect((await open(voice(rate))).synthesize(text));
    const pcm = Buffer.concat(chunks);
    expect(chunks.length).toBeGreaterThan(5);
    expect(chunks.every((c) => c.byteLength % 2 === 0)).toBe(true);
    expect(pcm.byteLength / 2 / rate).toBeGreaterThan(1.5);
    expect(rms(pcm)).toBeGreaterThan(0.02);
    // The same speech espeak makes at that rate: proves the rate, not just "some audio".
    expect(pcm.equals(await synthesizeSpeech({ text, voice: 'en', sampleRate: rate }))).toBe(true);
    const log = sarvam.requests.find((r) => r.endpoint === 'tts-ws')!;
    expect(log.params).toMatchObject({
      model: 'bulbul:v2',
      send_completion_event: 'true',
      language_code: 'en-IN',
      speaker: 'anushka',
      speech_sample_rate: rate,
      output_audio_codec: 'linear16',
    });
  });

  it('speaks Hindi text', async () => {
    const pcm = Buffer.concat(
      await collect((await open({ ...voice(8000), language: 'hi-IN' })).synthesize('नमस्ते, आप कैसे हैं?')),
    );
    expect(pcm.byteLength / 2 / 8000).toBeGreaterThan(0.8);
    expect(rms(pcm)).toBeGreaterThan(0.02);
  });

  it('runs overlapping synthesize calls one after another on one socket', async () => {
    const s = await open(voice(8000));
    const [a, b] = await Promise.all([
      collect(s.synthesize('First sentence.')),
      collect(s.synthesize('Second, longer sentence here.')),
    ]);
    expect(
      Buffer.concat(a).equals(await synthesizeSpeech({ text: 'First sentence.', voice: 'en', sampleRate: 8000 })),
    ).toBe(true);
    expect(
      Buffer.concat(b).equals(
        await synthesizeSpeech({ text: 'Second, longer sentence here.', voice: 'en', sampleRate: 8000 }),
      ),
    ).toBe(true);
    expect(sarvam.requests.filter((r) => r.endpoint === 'tts-ws')).toHaveLength(1);
  });

  it('stops quietly on abort, closes the socket, and reopens for the next text', async () => {
    const s = await open(voice(16000));
    const turn = new AbortController();
    let got = 0;
    for await (const _ of s.synthesize('This sentence will be interrupted by the caller speaking.', turn.signal)) {
      got++;
      turn.abort();
    }
    expect(got).toBe(1);
    const first = sarvam.requests.find((r) => r.endpoint === 'tts-ws')!;
    await vi.waitFor(() => expect(first.closed).toBe(true));
    const next = Buffer.concat(await collect(s.synthesize('Hello again.')));
    expect(next.equals(await synthesizeSpeech({ text: 'Hello again.', voice: 'en', sampleRate: 16000 }))).toBe(true);
    expect(sarvam.requests.filter((r) => r.endpoint === 'tts-ws')).toHaveLength(2);
  });

  it('a text aborted while it waits for the one before it was never sent: the socket stays', async () => {
    const s = await open(voice(8000));
    const dropped = new AbortController();
    const first = collect(s.synthesize('First sentence.'));
    const second = collect(s.synthesize('A sentence nobody will hear.', dropped.signal));
    dropped.abort();
    await first;
    expect(await second).toEqual([]);
    await collect(s.synthesize('Hello again.'));
    const sockets = sarvam.requests.filter((r) => r.endpoint === 'tts-ws');
    expect(sockets).toHaveLength(1);
    expect(sockets[0]!.texts).toEqual(['First sentence.', 'Hello again.']);
  });

  it('throws a retryable upstream error when Sarvam reports one', async () => {
    sarvam.inject({ on: 'tts-ws', error: 'synthesis backend unavailable' });
    const s = await open(voice(8000));
    await expect(collect(s.synthesize('Hello.'))).rejects.toMatchObject({
      code: ErrorCode.ttsUpstream,
      retryable: true,
    });
  });
});
