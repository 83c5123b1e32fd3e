import { ErrorCode } from '@audexly/protocol';
import {
  fixtureTranscripts,
  fixtureWords,
  loadSpeechFixture,
  speechFixtureRecordings,
  startFakeSarvam,
} from '@audexly/testing';
import type { FakeSarvam, FakeSarvamOptions, SpeechFixtureName } from '@audexly/testing';
import { afterEach, describe, expect, it } from 'vitest';
import type { SttEvent, SttSession } from '../stt.js';
import { createSarvamClient } from './client.js';
import { realtimeLanguage, realtimeModel, SarvamRealtimeStt } from './realtime-stt.js';

/**
 * The realtime session against the strict fake of `/speech-to-text-realtime/ws` (manual
 * endpointing: our flush is Sarvam's `speech_end`), which recognises the recorded fixtures word
 * by word: interim transcripts grow as the words arrive, and every test checks the words.
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

const stt = (s: FakeSarvam, apiKey = 'test-key'): SarvamRealtimeStt =>
  new SarvamRealtimeStt(createSarvamClient({ apiKey, baseUrl: s.url }), { apiKey });

async function speech(rate: 8000 | 16000, name: SpeechFixtureName, tailMs: number): Promise<Buffer> {
  const { pcm } = await loadSpeechFixture(name, rate);
  return Buffer.concat([pcm, Buffer.alloc(Math.round((tailMs * rate) / 1000) * 2)]);
}

/** Reads events until `until` says stop (or the session ends). */
async function readUntil(session: SttSession, until: (seen: SttEvent[]) => boolean): Promise<SttEvent[]> {
  const seen: SttEvent[] = [];
  const it = session[Symbol.asyncIterator]();
  while (!until(seen)) {
    const r = await it.next();
    if (r.done) break;
    seen.push(r.value);
  }
  return seen;
}

function pushInFrames(session: SttSession, pcm: Buffer, frameBytes: number): void {
  for (let i = 0; i < pcm.byteLength; i += frameBytes) session.push(pcm.subarray(i, i + frameBytes));
}

describe('SarvamRealtimeStt: interim transcripts as the caller speaks, one final per flush', () => {
  it.each([8000, 16000] as const)(
    'at %i Hz, interim transcripts grow word by word before the flush, then the final has every word',
    async (rate) => {
      const s = await fake(rate, { sttLatencyMs: 20 });
      const session = await stt(s).openSession({ sampleRate: rate, language: 'en-IN', model: 'saarika:v2.5' });
      pushInFrames(session, await speech(rate, 'goforward', 300), rate / 5);
      const words = fixtureWords('goforward').text;
      const isWhole = (e: SttEvent | undefined) => e?.type === 'partial' && e.text === words;
      const partials = await readUntil(session, (seen) => isWhole(seen.at(-1)));
      expect(partials.every((e) => e.type === 'partial')).toBe(true);
      // Each interim transcript is a prefix of the next, ending with the whole sentence.
      const texts = partials.map((e) => (e.type === 'partial' ? e.text : ''));
      expect(texts.length).toBeGreaterThan(1);
      for (let i = 1; i < texts.length; i++) expect(texts[i]!.startsWith(texts[i - 1]!)).toBe(true);
      session.flush();
      const [final] = await readUntil(session, (seen) => seen.some((e) => e.type === 'final'));
      expect(final).toMatchObject({ type: 'final', text: words });
      // Manual endpointing: speech_start before the audio, speech_end as the flush, never `flush`.
      const log = s.requests.find((r) => r.endpoint === 'stt-realtime-ws')!;
      expect(log.params).toMatchObject({
        endpointing: 'manual',
        model: 'saaras:v3-realtime',
        sample_rate: String(rate),
      });
      const events = (log.messages as { event: string }[]).map((m) => m.event).filter((e) => e !== 'audio_input');
      expect(events).toEqual(['speech_start', 'speech_end']);
      await session.close();
    },
  );

  it('a flush of silence is answered with an empty final, and the next utterance is its own', async () => {
    const s = await fake(8000, { sttLatencyMs: 20 });
    const session = await stt(s).openSession({ sampleRate: 8000, language: 'hi-IN', model: 'saaras:v3' });
    session.push(Buffer.alloc(3200));
    session.flush();
    pushInFrames(session, await speech(8000, 'numbers', 200), 1600);
    session.flush();
    const finals = (await readUntil(session, (seen) => seen.filter((e) => e.type === 'final').length === 2)).filter(
      (e) => e.type === 'final',
    );
    expect(finals.map((e) => e.text)).toEqual(['', fixtureWords('numbers').text]);
    await session.close();
  });

  it('a key Sarvam refuses fails the session with an error event naming the socket', async () => {
    const s = await fake(8000);
    const session = await stt(s, 'wrong-key').openSession({ sampleRate: 8000, language: 'en-IN', model: 'x' });
    session.push(Buffer.alloc(1600));
    const events = await readUntil(session, (seen) => seen.some((e) => e.type === 'error'));
    const error = events.find((e) => e.type === 'error');
    expect(error?.type === 'error' && error.error.code).toBe(ErrorCode.sttUpstream);
    expect(error?.type === 'error' && error.error.message).toMatch(/Sarvam realtime STT/);
  });

  it('spells languages and models as this endpoint does', () => {
    expect(realtimeLanguage('od-IN')).toBe('or-IN');
    expect(realtimeLanguage('unknown')).toBe('auto');
    expect(realtimeLanguage('hi-IN')).toBe('hi-IN');
    expect(realtimeModel('saarika:v2.5')).toBe('saaras:v3-realtime');
    expect(realtimeModel('saaras:v4-realtime')).toBe('saaras:v4-realtime');
  });
});
