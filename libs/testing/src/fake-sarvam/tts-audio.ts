import { encodeWav } from '@audexly/audio';
import type { FakeTtsCodec } from './validate-tts.js';

/**
 * TTS audio in the codec a client asked for: `wav` a WAV file (each streamed chunk its own file, as
 * Sarvam's socket sends them), `linear16` raw PCM16LE, `mulaw` / `alaw` raw G.711 bytes.
 */
export function encodeTtsAudio(pcm: Buffer, sampleRate: number, codec: FakeTtsCodec): Buffer {
  if (codec === 'wav') return encodeWav(pcm, sampleRate);
  if (codec === 'mulaw') return g711(pcm, muLawByte);
  if (codec === 'alaw') return g711(pcm, aLawByte);
  return pcm;
}

/** `content_type` of a streamed audio message (Sarvam's value for the raw codecs is unverified). */
export function ttsContentType(codec: FakeTtsCodec): string {
  return { wav: 'audio/wav', linear16: 'audio/pcm', mulaw: 'audio/mulaw', alaw: 'audio/alaw' }[codec];
}

function g711(pcm: Buffer, encode: (sample: number) => number): Buffer {
  const out = Buffer.alloc(Math.floor(pcm.byteLength / 2));
  for (let i = 0; i < out.byteLength; i++) out[i] = encode(pcm.readInt16LE(i * 2));
  return out;
}

/** ITU-T G.711 μ-law of one 16-bit sample. */
export function muLawByte(sample: number): number {
  const bias = 0x84;
  const sign = sample < 0 ? 0x80 : 0;
  let magnitude = Math.min(Math.abs(sample), 32635) + bias;
  let exponent = 7;
  for (let mask = 0x4000; (magnitude & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (magnitude >> (exponent + 3)) & 0x0f;
  magnitude = sign | (exponent << 4) | mantissa;
  return ~magnitude & 0xff;
}

/** ITU-T G.711 A-law of one 16-bit sample. */
export function aLawByte(sample: number): number {
  const sign = sample >= 0 ? 0x80 : 0;
  const magnitude = Math.min(sample >= 0 ? sample : -sample - 1, 32767) >> 3;
  let exponent = 0;
  while (exponent < 7 && magnitude >= 32 << exponent) exponent++;
  const mantissa = exponent === 0 ? (magnitude >> 1) & 0x0f : (magnitude >> exponent) & 0x0f;
  return (sign | (exponent << 4) | mantissa) ^ 0x55;
}
