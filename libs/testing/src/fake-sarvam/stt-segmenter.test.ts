import { bytesForMs, silence, sineTone } from '@audexly/audio';
import { describe, expect, it } from 'vitest';
import { randomBelow, seededRandom } from '../seeded-random.js';
import { fixtureWords, SPEECH_FIXTURES } from '../speech-fixtures.js';
import { EnergyVad, VAD_FRAME_MS } from './energy-vad.js';
import { fixtureTranscripts, speechFixtureRecordings } from './fixture-transcripts.js';
import { SttSegmenter } from './stt-segmenter.js';
import { saying, spokenWords } from './test/speech.js';

const END_OF_SPEECH_MS = 600;

/** Pushes `pcm` in chunks of random length (whole samples, 2–80 ms) and collects the segments the VAD ended. */
function segmentsOf(segmenter: SttSegmenter, pcm: Buffer, rate: number, random: () => number): Buffer[] {
  const segments: Buffer[] = [];
  for (let at = 0; at < pcm.byteLength;) {
    const bytes = 2 * (1 + randomBelow(random, (rate * 80) / 1000));
    for (const event of segmenter.push(pcm.subarray(at, at + bytes)))
      if (event.kind === 'speech-end') segments.push(event.segment);
    at += bytes;
  }
  return segments;
}

describe.each([8000, 16000] as const)('the fake STT segmentation at %i Hz', (rate) => {
  it('hears each real recording, then a second of silence, as one segment holding all its words', async () => {
    const recordings = await speechFixtureRecordings(rate);
    const transcribe = fixtureTranscripts(recordings);
    const seed = 20261202 + rate;
    const random = seededRandom(seed);
    for (const [i, name] of SPEECH_FIXTURES.entries()) {
      const segmenter = new SttSegmenter(rate, END_OF_SPEECH_MS);
      const segments = segmentsOf(segmenter, Buffer.concat([recordings[i]!.pcm, silence(1000, rate)]), rate, random);
      expect(
        segments.map((s) => transcribe(s, rate)),
        `${name} (seed ${seed})`,
      ).toEqual([fixtureWords(name).text]);
    }
  });

  it('starts speech at the first word, never in the background noise before it', async () => {
    const recordings = await speechFixtureRecordings(rate);
    for (const [i, name] of SPEECH_FIXTURES.entries()) {
      const vad = new EnergyVad(rate, END_OF_SPEECH_MS);
      const { pcm } = recordings[i]!;
      let onsetMs = -1;
      for (let at = 0, frame = 0; at + vad.frameBytes <= pcm.byteLength && onsetMs < 0; at += vad.frameBytes, frame++) {
        if (vad.step(pcm.subarray(at, at + vad.frameBytes)) === 'speech-start') onsetMs = (frame + 1) * VAD_FRAME_MS;
      }
      const first = fixtureWords(name).words[0]!;
      expect(onsetMs, name).toBeGreaterThanOrEqual(first.startMs - 3 * VAD_FRAME_MS);
      expect(onsetMs, name).toBeLessThanOrEqual(first.endMs);
    }
  });

  it('keeps two recordings one segment across a short pause, and makes two of them across a long one', async () => {
    const transcribe = fixtureTranscripts(await speechFixtureRecordings(rate));
    const [a, b] = [await spokenWords('goforward', rate), await spokenWords('something', rate)];
    const seed = 7 + rate;
    const random = seededRandom(seed);
    const short = segmentsOf(
      new SttSegmenter(rate, END_OF_SPEECH_MS),
      Buffer.concat([a, silence(100, rate), b, silence(1000, rate)]),
      rate,
      random,
    );
    expect(
      short.map((s) => transcribe(s, rate)),
      `seed ${seed}`,
    ).toEqual([`${saying('goforward')} ${saying('something')}`]);
    const long = segmentsOf(
      new SttSegmenter(rate, END_OF_SPEECH_MS),
      Buffer.concat([a, silence(900, rate), b, silence(1000, rate)]),
      rate,
      random,
    );
    expect(
      long.map((s) => transcribe(s, rate)),
      `seed ${seed}`,
    ).toEqual([saying('goforward'), saying('something')]);
  });

  it('cuts segments that, with what a flush takes, add up to every byte received', async () => {
    const [a, b] = [await spokenWords('cards-004', rate), await spokenWords('cards-005', rate)];
    const audio = Buffer.concat([a, silence(900, rate), b, silence(200, rate), Buffer.from([1, 0, 2])]);
    const seed = 99;
    const segmenter = new SttSegmenter(rate, END_OF_SPEECH_MS);
    const segments = segmentsOf(segmenter, audio, rate, seededRandom(seed));
    const rest = segmenter.flush();
    expect(rest?.heldSpeech, `seed ${seed}`).toBe(true);
    expect(Buffer.concat([...segments, rest!.audio]).equals(audio), `seed ${seed}`).toBe(true);
    expect(segmenter.flush()).toBeNull();
  });
});

describe('the fake STT segmentation', () => {
  it('says a flush over silence held no speech', () => {
    const segmenter = new SttSegmenter(8000, END_OF_SPEECH_MS);
    expect(segmenter.push(silence(2000, 8000))).toEqual([]);
    expect(segmenter.flush()).toEqual({ audio: silence(2000, 8000), heldSpeech: false });
  });

  it('ends speech once the configured silence has been received, however fast it arrives', () => {
    for (const endOfSpeechMs of [300, 600, 1000]) {
      const segmenter = new SttSegmenter(16000, endOfSpeechMs);
      expect(segmenter.push(sineTone(440, 500, 16000)).map((e) => e.kind)).toEqual(['speech-start']);
      expect(segmenter.push(silence(endOfSpeechMs - VAD_FRAME_MS, 16000)), `${endOfSpeechMs} ms`).toEqual([]);
      const end = segmenter.push(silence(VAD_FRAME_MS, 16000));
      expect(
        end.map((e) => e.kind),
        `${endOfSpeechMs} ms`,
      ).toEqual(['speech-end']);
      expect(end[0]?.kind === 'speech-end' && end[0].segment.byteLength).toBe(bytesForMs(500 + endOfSpeechMs, 16000));
    }
  });
});
