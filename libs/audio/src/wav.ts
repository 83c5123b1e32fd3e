import { pcmToInt16 } from './pcm.js';

/** Audio found in a WAV file. `pcm` is PCM16LE, interleaved when `channels` > 1. */
export interface WavAudio {
  sampleRate: number;
  channels: number;
  pcm: Buffer;
}

const headerBytes = 44;
const pcmFormat = 1;
const extensibleFormat = 0xfffe;

/** A 44-byte canonical RIFF/WAVE header for PCM16 audio of `dataBytes` bytes. */
export function wavHeader(dataBytes: number, sampleRate: number, channels = 1): Buffer {
  const h = Buffer.alloc(headerBytes);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(36 + dataBytes, 4);
  h.write('WAVE', 8, 'ascii');
  h.write('fmt ', 12, 'ascii');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(pcmFormat, 20);
  h.writeUInt16LE(channels, 22);
  h.writeUInt32LE(sampleRate, 24);
  h.writeUInt32LE(sampleRate * channels * 2, 28);
  h.writeUInt16LE(channels * 2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(dataBytes, 40);
  return h;
}

/** Mono PCM16LE → a WAV file. */
export function encodeWav(pcm: Buffer, sampleRate: number): Buffer {
  return Buffer.concat([wavHeader(pcm.byteLength, sampleRate, 1), pcm]);
}

/**
 * Two mono PCM16LE channels → one stereo WAV (left, right interleaved). The shorter channel is
 * padded with silence.
 */
export function encodeStereoWav(left: Buffer, right: Buffer, sampleRate: number): Buffer {
  const l = pcmToInt16(left);
  const r = pcmToInt16(right);
  const frames = Math.max(l.length, r.length);
  const data = Buffer.alloc(frames * 4);
  for (let i = 0; i < frames; i++) {
    data.writeInt16LE(l[i] ?? 0, i * 4);
    data.writeInt16LE(r[i] ?? 0, i * 4 + 2);
  }
  return Buffer.concat([wavHeader(data.byteLength, sampleRate, 2), data]);
}

/** True when the bytes start with a RIFF/WAVE header. */
export function isWav(bytes: Buffer): boolean {
  return (
    bytes.byteLength >= 12 && bytes.toString('ascii', 0, 4) === 'RIFF' && bytes.toString('ascii', 8, 12) === 'WAVE'
  );
}

/**
 * Parses a PCM16 WAV file by walking its RIFF chunks (extra chunks such as LIST are skipped).
 * A `data` chunk whose size is 0, 0xFFFFFFFF or past the end (streamed WAVs) takes the rest of
 * the buffer. Throws on anything that is not 16-bit PCM.
 */
export function parseWav(bytes: Buffer): WavAudio {
  if (!isWav(bytes)) throw new Error('not a WAV file: missing RIFF/WAVE header');
  let offset = 12;
  let format: { channels: number; sampleRate: number } | null = null;
  while (offset + 8 <= bytes.byteLength) {
    const id = bytes.toString('ascii', offset, offset + 4);
    const size = bytes.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > bytes.byteLength) throw new Error('WAV fmt chunk is truncated');
      const tag = bytes.readUInt16LE(body);
      const bits = bytes.readUInt16LE(body + 14);
      const isPcm =
        tag === pcmFormat || (tag === extensibleFormat && size >= 40 && bytes.readUInt16LE(body + 24) === pcmFormat);
      if (!isPcm || bits !== 16) {
        throw new Error(
          `unsupported WAV encoding: format tag ${tag}, ${bits} bits per sample (only 16-bit PCM is supported)`,
        );
      }
      format = { channels: bytes.readUInt16LE(body + 2), sampleRate: bytes.readUInt32LE(body + 4) };
    } else if (id === 'data') {
      if (!format) throw new Error('WAV data chunk comes before its fmt chunk');
      const streamed = size === 0 || size === 0xffffffff || body + size > bytes.byteLength;
      const end = streamed ? bytes.byteLength : body + size;
      const whole = end - ((end - body) % (2 * format.channels));
      return { ...format, pcm: bytes.subarray(body, whole) };
    }
    offset = body + size + (size % 2); // chunks are word-aligned
  }
  throw new Error(format ? 'WAV file has no data chunk' : 'WAV file has no fmt chunk');
}
