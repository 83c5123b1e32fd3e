import type { SampleRate } from '@audexly/protocol';
import { createStreamingResampler, int16ToPcm, pcmToFloat32, type StreamingResampler } from '@audexly/audio';
import {
  sharedSileroModel,
  sileroWindow,
  type SileroModel,
  type SileroRate,
  type SileroState,
} from './silero-model.js';
import type { VoiceActivityDetector } from './vad.js';

export interface SileroVadOptions {
  /** Rate of the frames that will be fed: 8000 and 16000 run natively, 24000 is resampled to 16000. */
  sampleRate: SampleRate;
  /**
   * Speech probability that starts speech; default 0.5 (Silero's own default). Speech then
   * continues while the probability stays at or above `threshold - 0.15` (Silero's hysteresis).
   */
  threshold?: number;
  /** Default: the process-wide model. */
  model?: SileroModel;
  /**
   * Windows quieter than this (dBFS) are silence without asking the model; default
   * {@link SILENCE_GATE_DBFS}. `-Infinity` runs the model on every window.
   */
  silenceGateDbfs?: number;
}

/**
 * Below this level a 32 ms window holds no speech (the energy detector never calls it speech
 * either): telephone speech sits around -20 to -35 dBFS, an idle line's noise around -60 to -70.
 * Skipping the model there saves its inference on most of a call's silence, which is most of the
 * caller's side of a call.
 */
export const SILENCE_GATE_DBFS = -55;

/**
 * The model still sees this many quiet windows (320 ms) before the gate skips it, so its recurrent
 * state has settled on silence: a short pause goes to the model whole, and speech after a long one
 * finds the state it would have had anyway.
 */
const SETTLE_WINDOWS = 10;

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
  private readonly gateMeanSquare: number;
  private pending = new Float32Array(0);
  private speaking = false;
  /** Consecutive windows under the silence gate. */
  private quietWindows = 0;
  /** Windows the model ran on / windows gated as silence (diagnostics and tests). */
  readonly windows = { modelled: 0, gated: 0 };

  private constructor(
    readonly sampleRate: SampleRate,
    private readonly model: SileroModel,
    private readonly resampler: StreamingResampler | null,
    threshold: number,
    silenceGateDbfs: number,
  ) {
    this.modelRate = sampleRate === 8000 ? 8000 : 16000;
    this.window = sileroWindow[this.modelRate];
    this.frameSamples = (this.window * sampleRate) / this.modelRate;
    this.state = model.newState(this.modelRate);
    this.onset = threshold;
    this.offset = Math.max(0.01, threshold - 0.15);
    this.gateMeanSquare = 10 ** (silenceGateDbfs / 10);
  }

  static async create(options: SileroVadOptions): Promise<SileroVad> {
    const model = options.model ?? (await sharedSileroModel());
    const resampler = options.sampleRate === 24000 ? await createStreamingResampler(24000, 16000) : null;
    return new SileroVad(
      options.sampleRate,
      model,
      resampler,
      options.threshold ?? 0.5,
      options.silenceGateDbfs ?? SILENCE_GATE_DBFS,
    );
  }

  async isSpeech(frame: Int16Array): Promise<boolean> {
    const samples = this.resampler ? pcmToFloat32(this.resampler.push(int16ToPcm(frame))) : int16ToFloat(frame);
    const all = new Float32Array(this.pending.length + samples.length);
    all.set(this.pending, 0);
    all.set(samples, this.pending.length);
    let at = 0;
    for (; all.length - at >= this.window; at += this.window) {
      const window = all.subarray(at, at + this.window);
      const p = await this.probability(window);
      this.lastProbability = p;
      this.speaking = this.speaking ? p >= this.offset : p >= this.onset;
    }
    this.pending = all.slice(at);
    return this.speaking;
  }

  /**
   * The model's speech probability, or 0 without it for a window under the silence gate while no
   * speech is on. During speech every window goes to the model, so speech ends where Silero says
   * (its probability decays over a word's soft tail and a short pause; gating there ended speech
   * early, and a caller's mid-sentence pause looked long enough to end the turn). A gated window
   * still becomes the context the next window is read with; the recurrent state keeps what the
   * model last saw (silence, in effect).
   */
  private probability(window: Float32Array): Promise<number> | number {
    this.quietWindows = meanSquare(window) < this.gateMeanSquare ? this.quietWindows + 1 : 0;
    if (!this.speaking && this.quietWindows > SETTLE_WINDOWS) {
      this.windows.gated++;
      this.state.context = window.slice(window.length - this.state.context.length);
      return 0;
    }
    this.windows.modelled++;
    return this.model.probability(window, this.modelRate, this.state);
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

function meanSquare(samples: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < samples.length; i++) sum += samples[i]! * samples[i]!;
  return sum / samples.length;
}
