import { describe, expect, it } from 'vitest';
import { resample, silence, sineTone } from '@audexly/audio';
import { loadSpeechFixture } from '@audexly/testing';
import { SileroVad } from './silero-vad.js';
import { SpeechSegmenter, type SegmenterAction } from './speech-segmenter.js';
import { EnergyVad, type VoiceActivityDetector } from './vad.js';

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

type Rate = 8000 | 16000 | 24000;

/** A speech fixture at any call rate: 8k and 16k as recorded, 24k resampled from 16k. */
async function fixture(name: 'goforward' | 'numbers', rate: Rate): Promise<Buffer> {
  const { pcm } = await loadSpeechFixture(name, rate === 8000 ? 8000 : 16000);
  return rate === 24000 ? resample(pcm, 16000, 24000) : pcm;
}

async function vadOf(kind: 'silero' | 'energy', rate: Rate): Promise<VoiceActivityDetector> {
  return kind === 'silero' ? SileroVad.create({ sampleRate: rate }) : new EnergyVad({ sampleRate: rate });
}

describe('speech segmenter with Silero VAD on recorded speech', () => {
  // Truth from the recordings' levels: "go forward ten meters" 0.50–2.36 s (ends in a faint "s");
  // the numbers 0.50–3.45 s over -46 dBFS of background noise from the first sample.
  const truth = { goforward: { start: 500, end: 2360 }, numbers: { start: 500, end: 3450 } };
  for (const name of ['goforward', 'numbers'] as const) {
    for (const rate of [8000, 16000, 24000] as const) {
      it(`finds the speech of "${name}" at ${rate} Hz within 150 ms at the start and 200 ms at the end`, async () => {
        const pcm = await fixture(name, rate);
        const leadMs = 1000;
        const vad = await vadOf('silero', rate);
        const actions = await run(
          new SpeechSegmenter({ sampleRate: rate, turn, vad }),
          Buffer.concat([silence(leadMs, rate), pcm, silence(1500, rate)]),
          rate,
        );
        vad.close?.();
        const starts = actions.filter((a) => a.type === 'start');
        const ends = actions.filter((a) => a.type === 'end');
        expect(starts).toHaveLength(1);
        expect(ends).toHaveLength(1);
        expect(Math.abs(starts[0]!.speechStartMs - (leadMs + truth[name].start))).toBeLessThan(150);
        // Silero lets go of a trailing fricative early; the turn's audio still carries it to STT.
        expect(Math.abs(ends[0]!.speechEndMs - (leadMs + truth[name].end))).toBeLessThan(200);
      });
    }
  }

  it('does not start a turn for a word fragment shorter than minSpeechMs (a false barge-in)', async () => {
    const rate = 16000;
    const pcm = await fixture('goforward', rate);
    // 160 ms of real speech: the onset of "go", which Silero does classify as speech.
    const fragment = pcm.subarray(500 * 32, 660 * 32);
    const vad = await vadOf('silero', rate);
    const actions = await run(
      new SpeechSegmenter({ sampleRate: rate, turn: { minSpeechMs: 300, endOfTurnSilenceMs: 500 }, vad }),
      Buffer.concat([silence(500, rate), fragment, silence(1500, rate), pcm, silence(1000, rate)]),
      rate,
    );
    const starts = actions.filter((a) => a.type === 'start');
    // Only the real utterance (which starts 500 ms into the recording that follows) is a turn.
    expect(starts).toHaveLength(1);
    expect(Math.abs(starts[0]!.speechStartMs - (500 + 160 + 1500 + 500))).toBeLessThan(150);
  });

  it('keeps one turn over a caller pause shorter than the end-of-turn silence, and splits at a longer one', async () => {
    const rate = 8000;
    // Just the spoken part of the recording (0.50–2.40 s), so the pauses below are the only gaps.
    const said = (await fixture('goforward', rate)).subarray(500 * 16, 2400 * 16);
    const turns = { minSpeechMs: 200, endOfTurnSilenceMs: 800 };
    const count = async (pauseMs: number): Promise<SegmenterAction[]> =>
      run(
        new SpeechSegmenter({ sampleRate: rate, turn: turns, vad: await vadOf('silero', rate) }),
        Buffer.concat([silence(500, rate), said, silence(pauseMs, rate), said, silence(1500, rate)]),
        rate,
      );
    const short = await count(400);
    expect(short.filter((a) => a.type === 'start')).toHaveLength(1);
    const ends = short.filter((a) => a.type === 'end');
    expect(ends).toHaveLength(1);
    // The turn ends with the second sentence, not the first.
    expect(ends[0]!.speechEndMs).toBeGreaterThan(500 + 1900 + 400 + 1900 - 300);
    const long = await count(1200);
    expect(long.filter((a) => a.type === 'start')).toHaveLength(2);
  });
});

describe('Silero VAD silence gate', () => {
  // A caller's side of a call is mostly line noise: the gate must skip the model there and change
  // nothing about where speech is found. Line noise here is about -60 dBFS; "numbers" carries
  // -46 dBFS of background noise of its own, which the gate leaves to the model.
  for (const name of ['goforward', 'numbers'] as const) {
    for (const rate of [8000, 16000] as const) {
      it(`finds the same speech in "${name}" at ${rate} Hz with the gate as without it`, async () => {
        const pcm = await fixture(name, rate);
        const audio = Buffer.concat([noise(2000, rate), pcm, noise(3000, rate)]);
        const segmentsWith = async (silenceGateDbfs?: number) => {
          const vad = await SileroVad.create({
            sampleRate: rate,
            ...(silenceGateDbfs === undefined ? {} : { silenceGateDbfs }),
          });
          const actions = await run(new SpeechSegmenter({ sampleRate: rate, turn, vad }), audio, rate);
          vad.close();
          const edges = actions.map((a) =>
            a.type === 'start' ? a.speechStartMs : a.type === 'end' ? a.speechEndMs : -1,
          );
          return { edges: edges.filter((ms) => ms >= 0), windows: vad.windows };
        };
        const ungated = await segmentsWith(-Infinity);
        const gated = await segmentsWith();
        expect(ungated.windows.gated).toBe(0);
        expect(gated.edges).toHaveLength(2);
        expect(gated.edges).toHaveLength(ungated.edges.length);
        gated.edges.forEach((ms, i) => expect(Math.abs(ms - ungated.edges[i]!)).toBeLessThanOrEqual(64));
        // The 5 s of line noise (156 windows of 32 ms) skip the model, less the 10 windows after
        // each stretch of sound the model still sees (so its state settles on silence) and the few
        // around speech; every window of speech (and of the recording's own noise) is modelled.
        expect(gated.windows.gated).toBeGreaterThanOrEqual(125);
        expect(gated.windows.modelled * 32).toBeGreaterThanOrEqual(gated.edges[1]! - gated.edges[0]!);
      });
    }
  }
  it('leaves the end of speech to the model during speech: a caller cut to silence mid-sentence gets the same turns', async () => {
    // Speech cut straight to digital silence, then more speech. Gating the quiet windows during
    // speech would end it at the cut, before Silero's own decay, and make the pause look longer
    // (a mid-sentence pause could then end the turn).
    const rate = 8000;
    const said = (await fixture('goforward', rate)).subarray(500 * 16, 2400 * 16);
    for (const pauseMs of [150, 300, 450, 700, 1200]) {
      const audio = Buffer.concat([noise(1000, rate), said, silence(pauseMs, rate), said, noise(2000, rate)]);
      const edgesWith = async (silenceGateDbfs: number) => {
        const vad = await SileroVad.create({ sampleRate: rate, silenceGateDbfs });
        const actions = await run(new SpeechSegmenter({ sampleRate: rate, turn, vad }), audio, rate);
        vad.close();
        return actions.flatMap((a) =>
          a.type === 'start' ? [a.speechStartMs] : a.type === 'end' ? [a.speechEndMs] : [],
        );
      };
      const ungated = await edgesWith(-Infinity);
      const gated = await edgesWith(-55);
      expect(gated, `pause ${pauseMs} ms`).toHaveLength(ungated.length);
      gated.forEach((ms, i) => expect(Math.abs(ms - ungated[i]!), `pause ${pauseMs} ms`).toBeLessThanOrEqual(64));
    }
  });
});

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
      const turnAudio = actions.reduce(
        (n, a) => n + (a.type === 'start' ? a.audio.byteLength : a.type === 'audio' ? a.pcm.byteLength : 0),
        0,
      );
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
