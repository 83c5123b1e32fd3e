import { pcmToInt16, rms } from '@audexly/audio';
import { ErrorCode } from '@audexly/protocol';
import {
  fixtureTranscripts,
  fixtureWords,
  loadSpeechFixture,
  speechFixtureRecordings,
  startFakeSarvam,
} from '@audexly/testing';
import type { FakeSarvam, FakeSarvamOptions, SpeechFixtureName } from '@audexly/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SttEvent, SttSession } from '../stt.js';
import { createSarvamClient } from './client.js';
import { SarvamStreamingStt } from './streaming-stt.js';

/**
 * The streaming session against the strict fake Sarvam, which segments speech on its own VAD (a
 * transcript when it hears the end of speech, before or without our flush) and recognises the
 * recorded fixtures exactly: every test checks the words, not just that something came back.
 */
let sarvam: FakeSarvam | undefined;
afterEach(async () => {
  await sarvam?.close();
  sarvam = undefined;
});

async function fake(rate: 8000 | 16000, options: Omit<FakeSarvamOptions, 'transcripts'> = {}): Promise<FakeSarvam> {
  sarvam = await startFakeSarvam({ transcripts: fixtureTranscripts(await speechFixtureRecordings(rate)), ...options });
  return sarvam;
}

const stt = (s: FakeSarvam, apiKey = 'test-key'): SarvamStreamingStt =>
  new SarvamStreamingStt(createSarvamClient({ apiKey, baseUrl: s.url }));

/** Recordings with `pauseMs` of silence between them and `tailMs` after: one caller utterance. */
async function utterance(
  rate: 8000 | 16000,
  names: SpeechFixtureName[],
  pauseMs: number,
  tailMs: number,
): Promise<{ pcm: Buffer; text: string }> {
  const silence = (ms: number) => Buffer.alloc(Math.round((ms * rate) / 1000) * 2);
  const parts: Buffer[] = [];
  for (const [i, name] of names.entries()) {
    if (i > 0) parts.push(silence(pauseMs));
    parts.push((await loadSpeechFixture(name, rate)).pcm);
  }
  parts.push(silence(tailMs));
  return { pcm: Buffer.concat(parts), text: names.map((n) => fixtureWords(n).text).join(' ') };
}

function pushInFrames(session: SttSession, pcm: Buffer, frameBytes: number): void {
  for (let i = 0; i < pcm.byteLength; i += frameBytes) session.push(pcm.subarray(i, i + frameBytes));
}

async function nextEvent(session: SttSession): Promise<SttEvent | undefined> {
  const r = await session[Symbol.asyncIterator]().next();
  return r.done ? undefined : r.value;
}

describe('SarvamStreamingStt: one final per flush with every word, however Sarvam segments', () => {
  it.each([8000, 16000] as const)(
    'at %i Hz, joins what Sarvam sent on its own end of speech (a caller who pauses) into the flush’s final',
    async (rate) => {
      const s = await fake(rate, { sttEndOfSpeechMs: 400 });
      const said = await utterance(rate, ['librivox-0880', 'cards-001'], 700, 600);
      const session = await stt(s).openSession({ sampleRate: rate, language: 'en-IN', model: 'saarika:v2.5' });
      pushInFrames(session, said.pcm, rate / 5);
      // Sarvam answers both parts before the flush: the session waits for the flush, not for a third answer.
      const sent = () => s.requests.find((r) => r.endpoint === 'stt-ws')?.transcriptsSent ?? [];
      await vi.waitFor(() => expect(sent().filter((t) => t.transcript !== '')).toHaveLength(2), { timeout: 10_000 });
      const log = s.requests.find((r) => r.endpoint === 'stt-ws')!;
      session.flush();
      expect(await nextEvent(session)).toMatchObject({ type: 'final', text: said.text, language: 'en-IN' });
      expect(log.params).toMatchObject({
        'language-code': 'en-IN',
        model: 'saarika:v2.5',
        sample_rate: String(rate),
        input_audio_codec: 'pcm_s16le',
        vad_signals: 'true',
        flush_signal: 'true',
      });
      expect(log.audio.equals(said.pcm)).toBe(true);
      await session.close();
    },
  );

  it('when our flush comes first, waits for the answer Sarvam owes', async () => {
    const s = await fake(8000, { sttEndOfSpeechMs: 3000, sttLatencyMs: 300 });
    const said = await utterance(8000, ['goforward'], 0, 0);
    const session = await stt(s).openSession({ sampleRate: 8000, language: 'en-IN', model: 'saarika:v2.5' });
    pushInFrames(session, said.pcm, 1600);
    session.flush();
    const event = await nextEvent(session);
    expect(event).toMatchObject({ type: 'final', text: said.text });
    expect(event?.type === 'final' && event.audioSeconds).toBeCloseTo(said.pcm.byteLength / 2 / 8000, 2);
    expect(s.requests.find((r) => r.endpoint === 'stt-ws')!.transcriptsSent).toMatchObject([
      { cause: 'flush', transcript: said.text },
    ]);
    await session.close();
  });

  it.each(['ignore', 'empty'] as const)(
    'settles a flush of pure silence after Sarvam already answered (silent flush %s), without a 2.5 s wait',
    async (silentFlush) => {
      const s = await fake(8000, { sttEndOfSpeechMs: 300, sttSilentFlush: silentFlush });
      const said = await utterance(8000, ['cards-005'], 0, 700);
      const session = await stt(s).openSession({ sampleRate: 8000, language: 'en-IN', model: 'saarika:v2.5' });
      pushInFrames(session, said.pcm, 1600);
      const sent = () =>
        (s.requests.find((r) => r.endpoint === 'stt-ws')?.transcriptsSent ?? [])
          .map((t) => t.transcript)
          .filter((t) => t !== '');
      await vi.waitFor(() => expect(sent().join(' ')).toBe(said.text), { timeout: 10_000 });
      session.flush();
      const event = await nextEvent(session);
      expect(event).toMatchObject({ type: 'final', text: said.text });
      // The provider's share of the turn is the grace (or the empty answer), never a flush timeout.
      expect(event?.type === 'final' && event.providerMs).toBeLessThan(1000);
      await session.close();
    },
  );

  it('keeps utterances apart when the next one starts before Sarvam’s answer to the last flush', async () => {
    const s = await fake(16000, { sttEndOfSpeechMs: 900, sttLatencyMs: 200 });
    const first = await utterance(16000, ['something'], 0, 500);
    const second = await utterance(16000, ['cards-002'], 0, 500);
    const session = await stt(s).openSession({ sampleRate: 16000, language: 'en-IN', model: 'saarika:v2.5' });
    pushInFrames(session, first.pcm, 3200);
    session.flush();
    pushInFrames(session, second.pcm, 3200);
    session.flush();
    expect(await nextEvent(session)).toMatchObject({ type: 'final', text: first.text });
    expect(await nextEvent(session)).toMatchObject({ type: 'final', text: second.text });
    await session.close();
  });

  it('sends 24 kHz audio to Sarvam resampled to 16 kHz', async () => {
    sarvam = await startFakeSarvam({ transcripts: ['go forward ten meters'] });
    const { pcm } = await loadSpeechFixture('goforward', 16000);
    const { resample } = await import('@audexly/audio');
    const at24k = await resample(pcm, 16000, 24000);
    const session = await stt(sarvam).openSession({ sampleRate: 24000, language: 'en-IN', model: 'saarika:v2.5' });
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
    const s = await fake(8000, { sttIdleTimeoutMs: 300 });
    const first = await utterance(8000, ['cards-001'], 0, 0);
    const second = await utterance(8000, ['cards-003'], 0, 0);
    const session = await stt(s).openSession({ sampleRate: 8000, language: 'en-IN', model: 'saarika:v2.5' });
    session.push(first.pcm);
    session.flush();
    expect(await nextEvent(session)).toMatchObject({ type: 'final', text: first.text });
    await vi.waitFor(() => expect(s.requests.find((r) => r.endpoint === 'stt-ws')!.closed).toBe(true));
    session.push(second.pcm);
    session.flush();
    expect(await nextEvent(session)).toMatchObject({ type: 'final', text: second.text });
    const sockets = s.requests.filter((r) => r.endpoint === 'stt-ws');
    expect(sockets).toHaveLength(2);
    expect(sockets[1]!.audio.equals(second.pcm)).toBe(true);
    await session.close();
  });

  it('sends the agent model and language unknown, and reports the language Sarvam detected', async () => {
    const s = await fake(16000);
    const said = await utterance(16000, ['goforward'], 0, 0);
    const session = await stt(s).openSession({ sampleRate: 16000, language: 'unknown', model: 'saaras:v3' });
    session.push(said.pcm);
    session.flush();
    expect(await nextEvent(session)).toMatchObject({ type: 'final', text: said.text, language: 'en-IN' });
    expect(s.requests.find((r) => r.endpoint === 'stt-ws')!.params).toMatchObject({
      'language-code': 'unknown',
      model: 'saaras:v3',
      sample_rate: '16000',
    });
    await session.close();
  });

  it('answers an empty turn with an empty final without asking Sarvam', async () => {
    const s = await fake(8000);
    const session = await stt(s).openSession({ sampleRate: 8000, language: 'hi-IN', model: 'saarika:v2.5' });
    session.flush();
    expect(await nextEvent(session)).toMatchObject({ type: 'final', text: '', audioSeconds: 0 });
    await session.close();
  });

  it('reports a retryable error when Sarvam drops the socket with 1011, then ends', async () => {
    const s = await fake(8000, { sttEndOfSpeechMs: 3000 });
    s.inject({ on: 'stt-ws', close: 1011 });
    const said = await utterance(8000, ['goforward'], 0, 0);
    const session = await stt(s).openSession({ sampleRate: 8000, language: 'en-IN', model: 'saarika:v2.5' });
    session.push(said.pcm);
    session.flush();
    const event = await nextEvent(session);
    expect(event?.type).toBe('error');
    expect(event?.type === 'error' && event.error.code).toBe(ErrorCode.sttUpstream);
    expect(event?.type === 'error' && event.error.retryable).toBe(true);
    expect(await nextEvent(session)).toBeUndefined();
  });

  it('reports an error event when the socket cannot open with a wrong key', async () => {
    const s = await fake(8000);
    const session = await stt(s, 'wrong-key').openSession({
      sampleRate: 8000,
      language: 'en-IN',
      model: 'saarika:v2.5',
    });
    const event = await nextEvent(session);
    expect(event?.type).toBe('error');
    await session.close();
  });

  it('ends quietly and closes the socket when the call aborts', async () => {
    const s = await fake(8000);
    const call = new AbortController();
    const session = await stt(s).openSession({
      sampleRate: 8000,
      language: 'en-IN',
      model: 'saarika:v2.5',
      signal: call.signal,
    });
    session.push(Buffer.alloc(320));
    await vi.waitFor(() => expect(s.requests.find((r) => r.endpoint === 'stt-ws')?.audio.byteLength).toBe(320));
    session.flush();
    call.abort();
    expect(await nextEvent(session)).toBeUndefined();
    await vi.waitFor(() => expect(s.requests.find((r) => r.endpoint === 'stt-ws')!.closed).toBe(true));
  });
});
