import { describe, expect, it } from 'vitest';
import { pcmPieces } from './rest-pieces.js';

/** 1 s of a loud tone, then a 100 ms pause, repeated: speech with gaps where a cut is harmless. */
function speechWithPauses(seconds: number, rate: number): Buffer {
  const pcm = Buffer.alloc(seconds * rate * 2);
  for (let i = 0; i < seconds * rate; i++) {
    const inPause = i % rate >= rate - rate / 10;
    pcm.writeInt16LE(inPause ? 0 : Math.round(8000 * Math.sin((2 * Math.PI * 220 * i) / rate)), i * 2);
  }
  return pcm;
}

describe('pcmPieces', () => {
  it('keeps audio under the limit whole', () => {
    const pcm = speechWithPauses(10, 8000);
    expect(pcmPieces(pcm, 8000, 29)).toEqual([pcm]);
  });

  it('cuts 65 s into pieces under the limit, in pauses, losing and repeating nothing', () => {
    const rate = 16000;
    const pcm = speechWithPauses(65, rate);
    const pieces = pcmPieces(pcm, rate, 29);
    expect(pieces.length).toBe(3);
    for (const p of pieces) expect(p.byteLength / 2 / rate).toBeLessThanOrEqual(29);
    expect(Buffer.concat(pieces).equals(pcm)).toBe(true);
    // Every cut falls in a pause (the samples around it are silent).
    let at = 0;
    for (const p of pieces.slice(0, -1)) {
      at += p.byteLength;
      expect(pcm.readInt16LE(at)).toBe(0);
      expect(at % 2).toBe(0);
    }
  });
});
