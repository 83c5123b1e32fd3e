import { describe, expect, it } from 'vitest';
import { fixtureWords, SPEECH_FIXTURES } from '../speech-fixtures.js';
import { fixtureTranscripts, speechFixtureRecordings } from './fixture-transcripts.js';

/** mulberry32: a small seeded generator, so a failing cut can be replayed from the printed seed. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe.each([8000, 16000] as const)('fixture transcripts at %i Hz', (rate) => {
  it('transcribes each whole recording to its words', async () => {
    const transcribe = fixtureTranscripts(await speechFixtureRecordings(rate));
    const recordings = await speechFixtureRecordings(rate);
    SPEECH_FIXTURES.forEach((name, i) => {
      expect(transcribe(recordings[i]!.pcm, rate), name).toBe(fixtureWords(name).text);
    });
  });

  it('gives every word exactly once, in order, however the audio is cut between words', async () => {
    const recordings = await speechFixtureRecordings(rate);
    const transcribe = fixtureTranscripts(recordings);
    const seed = 20261201;
    const random = seeded(seed);
    for (const [i, name] of SPEECH_FIXTURES.entries()) {
      const { pcm } = recordings[i]!;
      const { words } = fixtureWords(name);
      // Cut at word boundaries (where a VAD may cut), a random subset of them.
      const cuts = words
        .slice(1)
        .filter(() => random() < 0.5)
        .map((w) => Math.round((w.startMs * rate) / 1000) * 2);
      const bounds = [0, ...cuts, pcm.byteLength];
      const pieces = bounds.slice(1).map((end, k) => transcribe(pcm.subarray(bounds[k], end), rate));
      expect(pieces.filter((p) => p !== '').join(' '), `${name}, seed ${seed}, cuts ${cuts.join(',')}`).toBe(
        fixtureWords(name).text,
      );
    }
  });

  it('knows nothing of other audio', async () => {
    const transcribe = fixtureTranscripts(await speechFixtureRecordings(rate), () => 'unknown audio');
    expect(transcribe(Buffer.alloc(rate * 2), rate)).toBe('unknown audio');
  });
});
