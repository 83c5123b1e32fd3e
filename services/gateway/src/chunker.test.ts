import { describe, expect, it } from 'vitest';
import { Chunker, chunkLimits, MAX_CHUNK_BYTES } from './chunker.js';

const RATES = [8000, 16000, 24000] as const;
const msOf = (bytes: number, rate: number) => (bytes / 2 / rate) * 1000;

/** Irregular TTS-like pieces: odd sizes, some tiny, some large. */
function pieces(total: number): Buffer[] {
  const sizes = [1, 333, 4097, 7, 12_000, 959, 2, 30_001];
  const out: Buffer[] = [];
  let left = total;
  for (let i = 0; left > 0; i++) {
    const n = Math.min(left, sizes[i % sizes.length]!);
    out.push(Buffer.alloc(n, (i % 250) + 1));
    left -= n;
  }
  return out;
}

describe('chunker', () => {
  it.each(RATES)('at %i Hz every chunk is a multiple of 320 bytes and 100–200 ms long, tail included', (rate) => {
    const chunker = new Chunker({ sampleRate: rate });
    const out: Buffer[] = [];
    for (const p of pieces(123_457)) out.push(...chunker.push(p));
    out.push(...chunker.end());
    expect(out.length).toBeGreaterThan(3);
    for (const c of out) {
      expect(c.byteLength % 320).toBe(0);
      expect(msOf(c.byteLength, rate)).toBeGreaterThanOrEqual(100);
      expect(msOf(c.byteLength, rate)).toBeLessThanOrEqual(200);
      expect(c.byteLength).toBeLessThanOrEqual(MAX_CHUNK_BYTES);
    }
  });

  it('keeps the audio in order and zero-pads only the tail', () => {
    const input = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i % 255) + 1));
    const chunker = new Chunker({ sampleRate: 8000 });
    const out = Buffer.concat([
      ...chunker.push(input.subarray(0, 1234)),
      ...chunker.push(input.subarray(1234)),
      ...chunker.end(),
    ]);
    expect(out.subarray(0, 5000).equals(input)).toBe(true);
    expect(out.byteLength).toBe(6400); // 3 × 1600 + a 1600-byte tail (200 bytes of audio + zeros)
    expect(out.subarray(5000).every((b) => b === 0)).toBe(true);
  });

  it('pads a short segment up to the minimum chunk and ends an empty one with nothing', () => {
    const chunker = new Chunker({ sampleRate: 16000 });
    expect(chunker.push(Buffer.alloc(100, 7))).toEqual([]);
    const [tail] = chunker.end();
    expect(tail!.byteLength).toBe(3200);
    expect(new Chunker({ sampleRate: 16000 }).end()).toEqual([]);
  });

  it('honours configured sizes and never exceeds 99 840 bytes', () => {
    expect(chunkLimits({ sampleRate: 8000, targetMs: 160, minMs: 100, maxMs: 200 })).toMatchObject({
      targetBytes: 2560,
      minBytes: 1600,
      maxBytes: 3200,
    });
    const huge = chunkLimits({ sampleRate: 24000, targetMs: 5000, minMs: 100, maxMs: 10_000 });
    expect(huge.maxBytes).toBe(MAX_CHUNK_BYTES);
    expect(huge.targetBytes).toBe(MAX_CHUNK_BYTES);
    const chunker = new Chunker({ sampleRate: 24000, targetMs: 5000, maxMs: 10_000 });
    for (const c of chunker.push(Buffer.alloc(300_000))) expect(c.byteLength).toBe(MAX_CHUNK_BYTES);
  });
});
