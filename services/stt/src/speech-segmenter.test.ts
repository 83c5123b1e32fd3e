import { describe, expect, it } from 'vitest';
import { silence, sineTone } from '@audexly/audio';
import { loadSpeechFixture } from '@audexly/testing';
import { SpeechSegmenter, type SegmenterAction } from './speech-segmenter.js';

const turn = { minSpeechMs: 200, endOfTurnSilenceMs: 500 };

/** Low-level background noise, so the detector works on a realistic line rather than digital silence. */
function noise(ms: number, rate: number, amplitude = 60): Buffer {
  const samples = Math.round((rate * ms) / 1000);
  const out = Buffer.alloc(samples * 2);
  let seed = 12345;
  for (let i = 0; i < samples; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    out.writeInt16LE(Math.round(((seed / 0x7fffffff) * 2 - 1) * amplitude), i * 2);
  }
  return out;
}

/** Feeds audio in 100 ms chunks (as the gateway publishes) and collects every action. */
async function run(segmenter: SpeechSegmenter, pcm: Buffer, rate: number): Promise<SegmenterAction[]> {
  const chunk = (rate / 10) * 2;
  const actions: SegmenterAction[] = [];
  for (let offset = 0; offset < pcm.byteLength; offset += chunk) {
    actions.push(...(await segmenter.push(pcm.subarray(offset, offset + chunk), (offset / 2 / rate) * 1000)));
  }
  return actions;
}

describe('speech segmenter (VAD + turn detection)', () => {
  // "go forward ten meters": speech runs from about 0.50 s to 2.36 s of the file.
  for (const rate of [8000, 16000] as const) {
    it(`finds exactly one utterance in recorded speech at ${rate} Hz, with accurate start and end`, async () => {
      const { pcm } = await loadSpeechFixture('goforward', rate);
      const leadMs = 1000;
      const audio = Buffer.concat([noise(leadMs, rate), pcm, silence(1500, rate)]);
      const segmenter = new SpeechSegmenter({ sampleRate: rate, turn });
      const actions = await run(segmenter, audio, rate);
      const starts = actions.filter((a) => a.type === 'start');
      const ends = actions.filter((a) => a.type === 'end');
      expect(starts).toHaveLength(1);
      expect(ends).toHaveLength(1);
      expect(starts[0]!.speechStartMs).toBeGreaterThan(leadMs + 500 - 150);
      expect(starts[0]!.speechStartMs).toBeLessThan(leadMs + 500 + 150);
      expect(ends[0]!.speechEndMs).toBeGreaterThan(leadMs + 2360 - 150);
      expect(ends[0]!.speechEndMs).toBeLessThan(leadMs + 2360 + 150);
      // The start carries the pre-roll, so the word onset is not clipped.
      const start = starts[0]!;
      expect(start.audio.byteLength / 2 / rate).toBeGreaterThanOrEqual(0.3 + turn.minSpeechMs / 1000 - 0.05);
      // Audio handed over ends with the end-of-turn silence.
      const turnAudio = actions.reduce((n, a) => n + (a.type === 'start' ? a.audio.byteLength : a.type === 'audio' ? a.pcm.byteLength : 0), 0);
      const turnMs = (turnAudio / 2 / rate) * 1000;
      expect(turnMs).toBeGreaterThan(ends[0]!.speechEndMs - start.speechStartMs + turn.endOfTurnSilenceMs);
    });
  }

  it('does not take a noise burst shorter than minSpeechMs for a turn', async () => {
    const rate = 8000;
    const audio = Buffer.concat([noise(500, rate), sineTone(300, 120, rate, 0.4), noise(1500, rate)]);
    const actions = await run(new SpeechSegmenter({ sampleRate: rate, turn }), audio, rate);
    expect(actions).toEqual([]);
  });

  it('takes a sound longer than minSpeechMs for a turn that ends after the silence', async () => {
    const rate = 8000;
    const audio = Buffer.concat([noise(500, rate), sineTone(300, 600, rate, 0.4), noise(1500, rate)]);
    const actions = await run(new SpeechSegmenter({ sampleRate: rate, turn }), audio, rate);
    expect(actions.map((a) => a.type)).toEqual(expect.arrayContaining(['start', 'end']));
    const start = actions.find((a) => a.type === 'start');
    const end = actions.find((a) => a.type === 'end');
    expect(start?.speechStartMs).toBeCloseTo(500, -2);
    expect(end?.speechEndMs).toBeCloseTo(1100, -2);
  });

  it('finds two utterances separated by more than the end-of-turn silence', async () => {
    const rate = 16000;
    const { pcm } = await loadSpeechFixture('goforward', rate);
    const audio = Buffer.concat([noise(300, rate), pcm, noise(800, rate), pcm, silence(1000, rate)]);
    const actions = await run(new SpeechSegmenter({ sampleRate: rate, turn }), audio, rate);
    expect(actions.filter((a) => a.type === 'start')).toHaveLength(2);
    expect(actions.filter((a) => a.type === 'end')).toHaveLength(2);
  });
});
