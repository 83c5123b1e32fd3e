import libsamplerate from '@alexanderolsen/libsamplerate-js';
import { float32ToPcm, pcmToFloat32 } from './pcm.js';

type Converter = Awaited<ReturnType<typeof libsamplerate.create>>;

/** Band-limited sinc (libsamplerate "medium"): clean for speech, cheap enough per call. */
const converterType = libsamplerate.ConverterType.SRC_SINC_MEDIUM_QUALITY;

function checkRate(rate: number): void {
  if (!Number.isInteger(rate) || rate <= 0) throw new RangeError(`invalid sample rate: ${rate}`);
}

/** Resamples a whole PCM16LE mono buffer. Same rate → a copy. */
export async function resample(pcm: Buffer, from: number, to: number): Promise<Buffer> {
  checkRate(from);
  checkRate(to);
  if (from === to) return Buffer.from(pcm);
  if (pcm.byteLength < 2) return Buffer.alloc(0);
  const converter = await libsamplerate.create(1, from, to, { converterType });
  try {
    return float32ToPcm(converter.simple(pcmToFloat32(pcm)));
  } finally {
    converter.destroy();
  }
}

/**
 * Resamples one continuous stream (one call's audio) chunk by chunk, keeping filter state so there
 * are no clicks at chunk borders. Output lags input by a few milliseconds of filter delay; `end()`
 * releases the tail. Call `destroy()` when done. Create with {@link createStreamingResampler}.
 */
export class StreamingResampler {
  private carry: Buffer | null = null;
  private framesIn = 0;
  private framesOut = 0;
  private ended = false;

  constructor(
    readonly from: number,
    readonly to: number,
    private converter: Converter | null,
  ) {}

  /** Resamples the next chunk; may return fewer samples than the ratio implies (filter delay). */
  push(pcm: Buffer): Buffer {
    if (this.ended) throw new Error('StreamingResampler: push after end()');
    let input = pcm;
    if (this.carry) {
      input = Buffer.concat([this.carry, pcm]);
      this.carry = null;
    }
    if (input.byteLength % 2 === 1) {
      this.carry = Buffer.from(input.subarray(input.byteLength - 1));
      input = input.subarray(0, input.byteLength - 1);
    }
    if (!this.converter) return Buffer.from(input);
    if (input.byteLength === 0) return Buffer.alloc(0);
    this.framesIn += input.byteLength / 2;
    const out = float32ToPcm(this.converter.full(pcmToFloat32(input)));
    this.framesOut += out.byteLength / 2;
    return out;
  }

  /** Ends the stream and returns the remaining samples, so the total length matches {@link resample}. */
  end(): Buffer {
    if (this.ended || !this.converter) {
      this.ended = true;
      return Buffer.alloc(0);
    }
    this.ended = true;
    const expected = Math.round((this.framesIn * this.to) / this.from);
    const parts: Buffer[] = [];
    let missing = expected - this.framesOut;
    // Push silence through the filter until its delayed tail has come out.
    for (let round = 0; missing > 0 && round < 16; round++) {
      const out = float32ToPcm(this.converter.full(new Float32Array(Math.ceil(this.from / 50))));
      const take = out.subarray(0, Math.min(out.byteLength, missing * 2));
      parts.push(take);
      missing -= take.byteLength / 2;
    }
    this.framesOut = expected - missing;
    return Buffer.concat(parts);
  }

  /** Frees the WASM converter. Safe to call twice. */
  destroy(): void {
    this.converter?.destroy();
    this.converter = null;
    this.ended = true;
  }
}

/** A streaming resampler for one stream; same rate gives a pass-through. */
export async function createStreamingResampler(from: number, to: number): Promise<StreamingResampler> {
  checkRate(from);
  checkRate(to);
  const converter = from === to ? null : await libsamplerate.create(1, from, to, { converterType });
  return new StreamingResampler(from, to, converter);
}
