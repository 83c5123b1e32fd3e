import { pcmToInt16, rms } from '@audexly/audio';
import { ErrorCode } from '@audexly/protocol';
import { loadSpeechFixture, startFakeSarvam } from '@audexly/testing';
import type { FakeSarvam } from '@audexly/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SttEvent, SttSession } from '../stt.js';
import { createSarvamClient } from './client.js';
import { SarvamStreamingStt } from './streaming-stt.js';

let sarvam: FakeSarvam;
beforeEach(async () => {
  sarvam = await startFakeSarvam({ transcripts: ['go forward ten meters'] });
});
afterEach(() => sarvam.close());

function pushInFrames(session: SttSession, pcm: Buffer, frameBytes: number): void {
  for (let i = 0; i < pcm.byteLength; i += frameBytes) session.push(pcm.subarray(i, i + frameBytes));
}

async function nextEvent(session: SttSession): Promise<SttEvent | undefined> {
  const r = await session[Symbol.asyncIterator]().next();
  return r.done ? undefined : r.value;
}

describe('SarvamStreamingStt', () => {
  const stt = (apiKey = 'test-key'): SarvamStreamingStt => new SarvamStreamingStt(createSarvamClient({ apiKey, baseUrl: sarvam.url }));

  it('streams caller audio to /speech-to-text/ws and turns the flush answer into one final', async () => {
    const { pcm } = await loadSpeechFixture('goforward', 8000);
    const session = await stt().openSession({ sampleRate: 8000, language: 'en-IN', model: 'saarika:v2.5' });
    pushInFrames(session, pcm, 320);
    session.flush();
    const event = await nextEvent(session);
    expect(event).toMatchObject({ type: 'final', text: 'go forward ten meters', language: 'en-IN' });
    expect(event?.type === 'final' && event.audioSeconds).toBeCloseTo(pcm.byteLength / 2 / 8000, 2);
    const log = sarvam.requests.find((r) => r.endpoint === 'stt-ws')!;
    expect(log.apiKey).toBe('test-key');
    expect(log.params).toMatchObject({ 'language-code': 'en-IN', model: 'saarika:v2.5', sample_rate: '8000', input_audio_codec: 'pcm_s16le', vad_signals: 'false', flush_signal: 'true' });
    expect(log.audio.equals(pcm)).toBe(true);
    await session.close();
    await vi.waitFor(() => expect(log.closed).toBe(true));
  });

  it('sends 24 kHz audio to Sarvam resampled to 16 kHz', async () => {
    const { pcm } = await loadSpeechFixture('goforward', 16000);
    const { resample } = await import('@audexly/audio');
    const at24k = await resample(pcm, 16000, 24000);
    const session = await stt().openSession({ sampleRate: 24000, language: 'en-IN', model: 'saarika:v2.5' });
    pushInFrames(session, at24k, 960);
    session.flush();
    expect(await nextEvent(session)).toMatchObject({ type: 'final', text: 'go forward ten meters' });
    const log = sarvam.requests.find((r) => r.endpoint === 'stt-ws')!;
    expect(log.params.sample_rate).toBe('16000');
    // Within the resampler's few-millisecond filter delay of the 16 kHz original, and still speech.
    expect(Math.abs(pcmToInt16(log.audio).length - pcmToInt16(pcm).length)).toBeLessThan(16000 * 0.02);
    expect(rms(log.audio)).toBeCloseTo(rms(pcm), 2);
    await session.close();
  });

  it('reopens the socket at the next utterance after Sarvam closes it for idling, without an error', async () => {
    await sarvam.close();
    sarvam = await startFakeSarvam({ transcripts: ['one', 'two'], sttIdleTimeoutMs: 200 });
    const session = await stt().openSession({ sampleRate: 8000, language: 'en-IN', model: 'saarika:v2.5' });
    session.push(Buffer.alloc(3200, 1));
    session.flush();
    expect(await nextEvent(session)).toMatchObject({ type: 'final', text: 'one' });
    await vi.waitFor(() => expect(sarvam.requests.find((r) => r.endpoint === 'stt-ws')!.closed).toBe(true));
    session.push(Buffer.alloc(1600, 2));
    session.flush();
    expect(await nextEvent(session)).toMatchObject({ type: 'final', text: 'two' });
    const sockets = sarvam.requests.filter((r) => r.endpoint === 'stt-ws');
    expect(sockets).toHaveLength(2);
    expect(sockets[1]!.audio.byteLength).toBe(1600);
    await session.close();
  });

  it('sends the agent model and language unknown, and reports the language Sarvam detected', async () => {
    const session = await stt().openSession({ sampleRate: 16000, language: 'unknown', model: 'saaras:v3' });
    session.push(Buffer.alloc(3200, 1));
    session.flush();
    expect(await nextEvent(session)).toMatchObject({ type: 'final', language: 'en-IN' });
    expect(sarvam.requests.find((r) => r.endpoint === 'stt-ws')!.params).toMatchObject({ 'language-code': 'unknown', model: 'saaras:v3', sample_rate: '16000' });
    await session.close();
  });

  it('answers an empty turn with an empty final without asking Sarvam', async () => {
    const session = await stt().openSession({ sampleRate: 8000, language: 'hi-IN', model: 'saarika:v2.5' });
    session.flush();
    expect(await nextEvent(session)).toMatchObject({ type: 'final', text: '', audioSeconds: 0 });
    await session.close();
  });

  it('reports a retryable error when Sarvam drops the socket with 1011, then ends', async () => {
    sarvam.inject({ on: 'stt-ws', close: 1011 });
    const session = await stt().openSession({ sampleRate: 8000, language: 'en-IN', model: 'saarika:v2.5' });
    session.push(Buffer.alloc(3200));
    session.flush();
    const event = await nextEvent(session);
    expect(event?.type).toBe('error');
    expect(event?.type === 'error' && event.error.code).toBe(ErrorCode.sttUpstream);
    expect(event?.type === 'error' && event.error.retryable).toBe(true);
    expect(await nextEvent(session)).toBeUndefined();
  });

  it('reports an error event when the socket cannot open with a wrong key', async () => {
    const session = await stt('wrong-key').openSession({ sampleRate: 8000, language: 'en-IN', model: 'saarika:v2.5' });
    const event = await nextEvent(session);
    expect(event?.type).toBe('error');
    await session.close();
  });

  it('ends quietly and closes the socket when the call aborts', async () => {
    const call = new AbortController();
    const session = await stt().openSession({ sampleRate: 8000, language: 'en-IN', model: 'saarika:v2.5', signal: call.signal });
    session.push(Buffer.alloc(320));
    await vi.waitFor(() => expect(sarvam.requests.find((r) => r.endpoint === 'stt-ws')?.audio.byteLength).toBe(320));
    session.flush();
    call.abort();
    expect(await nextEvent(session)).toBeUndefined();
    await vi.waitFor(() => expect(sarvam.requests.find((r) => r.endpoint === 'stt-ws')!.closed).toBe(true));
  });
});
