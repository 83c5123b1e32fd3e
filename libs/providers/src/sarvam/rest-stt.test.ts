import { resample } from '@audexly/audio';
import { ErrorCode } from '@audexly/protocol';
import { loadSpeechFixture, startFakeSarvam } from '@audexly/testing';
import type { FakeSarvam } from '@audexly/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SttEvent, SttSession } from '../stt.js';
import { createSarvamClient } from './client.js';
import { SarvamRestStt } from './rest-stt.js';

let sarvam: FakeSarvam;
beforeEach(async () => {
  sarvam = await startFakeSarvam({
    transcripts: (audio, rate) => `heard ${(audio.byteLength / 2 / rate).toFixed(1)} seconds`,
  });
});
afterEach(() => sarvam.close());

async function nextEvent(session: SttSession): Promise<SttEvent | undefined> {
  const r = await session[Symbol.asyncIterator]().next();
  return r.done ? undefined : r.value;
}

describe('SarvamRestStt', () => {
  const stt = (apiKey = 'test-key'): SarvamRestStt =>
    new SarvamRestStt(createSarvamClient({ apiKey, baseUrl: sarvam.url, maxRetries: 0 }));

  it('posts each turn as a WAV to /speech-to-text and emits its transcript', async () => {
    const { pcm } = await loadSpeechFixture('numbers', 8000);
    const session = await stt().openSession({ sampleRate: 8000, language: 'en-IN', model: 'saarika:v2.5' });
    session.push(pcm.subarray(0, 16000));
    session.push(pcm.subarray(16000));
    session.flush();
    const event = await nextEvent(session);
    expect(event).toMatchObject({ type: 'final', text: 'heard 4.0 seconds', language: 'en-IN' });
    const log = sarvam.requests.find((r) => r.endpoint === 'stt-rest')!;
    expect(log.apiKey).toBe('test-key');
    expect(log.headers['content-type']).toMatch(/^multipart\/form-data/);
    expect(log.params).toMatchObject({ model: 'saarika:v2.5', language_code: 'en-IN' });
    expect(log.audio.equals(pcm)).toBe(true);
    await session.close();
  });

  it('sends 24 kHz turns as 16 kHz WAV', async () => {
    const { pcm } = await loadSpeechFixture('goforward', 16000);
    const session = await stt().openSession({ sampleRate: 24000, language: 'hi-IN', model: 'saaras:v3' });
    session.push(await resample(pcm, 16000, 24000));
    session.flush();
    expect(await nextEvent(session)).toMatchObject({ type: 'final', text: 'heard 2.8 seconds', language: 'hi-IN' });
    await session.close();
  });

  it('keeps finals in flush order', async () => {
    const session = await stt().openSession({ sampleRate: 16000, language: 'en-IN', model: 'saarika:v2.5' });
    session.push(Buffer.alloc(32000));
    session.flush();
    session.push(Buffer.alloc(16000));
    session.flush();
    expect(await nextEvent(session)).toMatchObject({ text: 'heard 1.0 seconds' });
    expect(await nextEvent(session)).toMatchObject({ text: 'heard 0.5 seconds' });
    await session.close();
  });

  it('turns a 500 into a retryable error and a 403 into a final one', async () => {
    sarvam.inject({ on: 'stt-rest', status: 500 });
    const failing = await stt().openSession({ sampleRate: 8000, language: 'en-IN', model: 'saarika:v2.5' });
    failing.push(Buffer.alloc(1600));
    failing.flush();
    const e500 = await nextEvent(failing);
    expect(e500?.type === 'error' && [e500.error.code, e500.error.retryable]).toEqual([ErrorCode.sttUpstream, true]);
    expect(await nextEvent(failing)).toBeUndefined();

    const denied = await stt('bad-key').openSession({ sampleRate: 8000, language: 'en-IN', model: 'saarika:v2.5' });
    denied.push(Buffer.alloc(1600));
    denied.flush();
    const e403 = await nextEvent(denied);
    expect(e403?.type === 'error' && e403.error.retryable).toBe(false);
    expect(e403?.type === 'error' && e403.error.cause).toMatchObject({ statusCode: 403 });
  });
});
