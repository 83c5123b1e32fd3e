import { existsSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { rms } from '@audexly/audio';
import { describe, expect, it } from 'vitest';
import { loadSpeechFixture, speechFixture } from './speech-fixtures.js';

describe('speech fixtures', () => {
  it('resolves absolute paths to the recorded WAVs', () => {
    const path = speechFixture('numbers', 8000);
    expect(isAbsolute(path)).toBe(true);
    expect(existsSync(path)).toBe(true);
  });

  it('loads go-forward as 2.8 s of speech at the asked rate', async () => {
    const { pcm, sampleRate } = await loadSpeechFixture('goforward', 16000);
    expect(sampleRate).toBe(16000);
    expect(pcm.byteLength / 2 / sampleRate).toBeCloseTo(2.8, 1);
    expect(rms(pcm)).toBeGreaterThan(0.01);
  });
});
