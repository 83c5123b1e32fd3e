import { createStreamingResampler, int16ToPcm, pcmToFloat32, type StreamingResampler } from '@audexly/audio';
import { sharedSileroModel, sileroWindow, type SileroModel, type SileroRate, type SileroState } from './silero-model.js';
import type { VoiceActivityDetector } from './vad.js';

export interface SileroVadOptions {
  /** Rate of the frames that will be fed: 8000 and 16000 run natively, 24000 is resampled to 16000. */
  sampleRate: 8000 | 16000 | 24000;
  /**
   * Speech probability that starts speech; default 0.5 (Silero's own default). Speech then
   * continues while the probability stays at or above `threshold - 0.15` (Silero's hysteresis).
   */
  threshold?: number;
  /** Default: the process-wide model. */
  model?: SileroModel;
}

/**
 * Silero VAD v5 over one call's audio. Frames are one model window long at the input rate (32 ms:
 * 256 samples at 8 kHz, 512 at 16 kHz, 768 at 24 kHz). 24 kHz audio goes through a band-limited
 * streaming resampler to 16 kHz first; its few milliseconds of filter delay can leave a frame
 * without a full window, and then the previous verdict stands.
 */
export class SileroVad implements VoiceActivityDetector {
  readonly frameSamples: number;
  /** Probability of the last window (diagnostics). */
  lastProbability = 0;
  private readonly modelRate: SileroRate;
  private readonly window: number;
  private readonly state: SileroState;
  private readonly onset: number;
  private readonly offset: number;
  private pending = new Float32Array(0);
  private speaking = false;

  private constructor(
    readonly sampleRate: 8000 | 16000 | 24000,
    private readonly model: SileroModel,
    private readonly resampler: StreamingResampler | null,
    threshold: number,
  ) {
    this.modelRate = sampleRate === 8000 ? 8000 : 16000;
    this.window = sileroWindow[this.modelRate];
    this.frameSamples = (this.window * sampleRate) / this.modelRate;
    this.state = model.newState(this.modelRate);
    this.onset = threshold;
    this.offset = Math.max(0.01, threshold - 0.15);
  }

  static async create(options: SileroVadOptions): Promise<SileroVad> {
    const model = options.model ?? (await sharedSileroModel());
    const resampler = options.sampleRate === 24000 ? await createStreamingResampler(24000, 16000) : null;
    return new SileroVad(options.sampleRate, model, resampler, options.threshold ?? 0.5);
  }

  async isSpeech(frame: Int16Array): Promise<boolean> {
    const samples = this.resampler ? pcmToFloat32(this.resampler.push(int16ToPcm(frame))) : int16ToFloat(frame);
    const all = new Float32Array(this.pending.length + samples.length);
    all.set(this.pending, 0);
    all.set(samples, this.pending.length);
    let at = 0;
    for (; all.length - at >= this.window; at += this.window) {
      const p = await this.model.probability(all.subarray(at, at + this.window), this.modelRate, this.state);
      this.lastProbability = p;
      this.speaking = this.speaking ? p >= this.offset : p >= this.onset;
    }
    this.pending = all.slice(at);
    return this.speaking;
  }

  close(): void {
    this.resampler?.destroy();
  }
}

function int16ToFloat(samples: Int16Array): Float32Array {
  const out = new Float32Array(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = samples[i]! / 32768;
  return out;
}
