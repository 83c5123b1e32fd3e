import { describe, expect, it } from 'vitest';
import { sineTone } from './tone.js';
import { encodeStereoWav, encodeWav, parseWav, wavHeader } from './wav.js';
import { pcmToInt16 } from './pcm.js';

function chunk(id: string, body: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.write(id, 0, 'ascii');
  h.writeUInt32LE(body.byteLength, 4);
  return Buffer.concat([h, body, body.byteLength % 2 ? Buffer.alloc(1) : Buffer.alloc(0)]);
}

function fmtChunk(rate: number, channels: number, tag = 1, bits = 16): Buffer {
  const b = Buffer.alloc(16);
  b.writeUInt16LE(tag, 0);
  b.writeUInt16LE(channels, 2);
  b.writeUInt32LE(rate, 4);
  b.writeUInt32LE((rate * channels * bits) / 8, 8);
  b.writeUInt16LE((channels * bits) / 8, 12);
  b.writeUInt16LE(bits, 14);
  return chunk('fmt ', b);
}

function riff(...chunks: Buffer[]): Buffer {
  const body = Buffer.concat([Buffer.from('WAVE', 'ascii'), ...chunks]);
  const h = Buffer.alloc(8);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(body.byteLength, 4);
  return Buffer.concat([h, body]);
}

describe('WAV', () => {
  it('round-trips mono PCM16 with its sample rate', () => {
    const pcm = sineTone(440, 100, 8000);
    const parsed = parseWav(encodeWav(pcm, 8000));
    expect(parsed.sampleRate).toBe(8000);
    expect(parsed.channels).toBe(1);
    expect(parsed.pcm.equals(pcm)).toBe(true);
  });

  it('interleaves two mono channels into stereo, padding the shorter one', () => {
    const left = Buffer.from(new Int16Array([1, 2, 3]).buffer);
    const right = Buffer.from(new Int16Array([-1, -2]).buffer);
    const parsed = parseWav(encodeStereoWav(left, right, 16000));
    expect(parsed.channels).toBe(2);
    expect(Array.from(pcmToInt16(parsed.pcm))).toEqual([1, -1, 2, -2, 3, 0]);
  });

  it('skips LIST and other chunks to find fmt and data', () => {
    const pcm = sineTone(300, 20, 16000);
    const wav = riff(
      chunk('LIST', Buffer.from('INFOISFT\x05\x00\x00\x00Lavf\x00', 'binary')),
      fmtChunk(16000, 1),
      chunk('fact', Buffer.alloc(4)),
      chunk('data', pcm),
    );
    const parsed = parseWav(wav);
    expect(parsed.sampleRate).toBe(16000);
    expect(parsed.pcm.equals(pcm)).toBe(true);
  });

  it('takes the rest of the buffer when a streamed data size is 0xFFFFFFFF', () => {
    const pcm = sineTone(300, 20, 8000);
    const header = wavHeader(0, 8000);
    header.writeUInt32LE(0xffffffff, 40);
    header.writeUInt32LE(0xffffffff, 4);
    expect(parseWav(Buffer.concat([header, pcm])).pcm.equals(pcm)).toBe(true);
  });

  it('takes the rest of the buffer when the data size overstates it', () => {
    const pcm = sineTone(300, 20, 8000);
    const header = wavHeader(pcm.byteLength * 10, 8000);
    expect(parseWav(Buffer.concat([header, pcm])).pcm.equals(pcm)).toBe(true);
  });

  it('rejects 8-bit and float WAVs with a clear error', () => {
    expect(() => parseWav(riff(fmtChunk(8000, 1, 1, 8), chunk('data', Buffer.alloc(8))))).toThrow(/only 16-bit PCM/);
    expect(() => parseWav(riff(fmtChunk(8000, 1, 3, 32), chunk('data', Buffer.alloc(8))))).toThrow(/format tag 3/);
  });

  it('rejects bytes that are not a WAV file', () => {
    expect(() => parseWav(Buffer.from('hello world, not audio'))).toThrow(/not a WAV/);
  });
});
