import { dbfsOfSamples } from './frame-energy.js';

/**
 * Decides, frame by frame, whether a caller is speaking. Frames are `frameSamples` samples of
 * PCM16 mono at the rate the detector was made for, fed in timeline order. A detector is stateful
 * (noise floor, hysteresis) and serves one audio stream. A model-based detector (Silero) may answer
 * asynchronously, hence the Promise in the return type.
 */
export interface VoiceActivityDetector {
  readonly sampleRate: number;
  readonly frameSamples: number;
  /** True when the frame holds speech. */
  isSpeech(frame: Int16Array): boolean | Promise<boolean>;
  /** Frees per-stream resources (e.g. a resampler); the detector is not used afterwards. */
  close?(): void;
  /** A model-based detector: windows its model ran on, and windows its silence gate answered without it. */
  readonly windows?: { readonly modelled: number; readonly gated: number };
}

export interface EnergyVadOptions {
  sampleRate: number;
  /** Frame length; 20 ms by default. */
  frameMs?: number;
  /** A frame this far above the noise floor starts speech (dB); default 12. */
  onsetDb?: number;
  /** While speaking, a frame this far above the floor continues speech (dB); default 7. */
  holdDb?: number;
  /** Quietest floor assumed (digital silence); default -70 dBFS. */
  minFloorDbfs?: number;
  /** Frames quieter than this are never speech; default -55 dBFS. */
  absoluteMinDbfs?: number;
}

/**
 * Energy detector with an adaptive noise floor and hysteresis: the floor follows quiet frames down
 * quickly and drifts up slowly (much more slowly while speech is on, so speech does not raise it,
 * yet a lasting louder background is eventually learned).
 */
export class EnergyVad implements VoiceActivityDetector {
  readonly sampleRate: number;
  readonly frameSamples: number;
  private readonly onsetDb: number;
  private readonly holdDb: number;
  private readonly minFloor: number;
  private readonly absoluteMin: number;
  /** Unknown until the first frame, which seeds it (a call rarely opens mid-word). */
  private floor: number | null = null;
  private speaking = false;

  constructor(options: EnergyVadOptions) {
    this.sampleRate = options.sampleRate;
    this.frameSamples = Math.round((options.sampleRate * (options.frameMs ?? 20)) / 1000);
    this.onsetDb = options.onsetDb ?? 12;
    this.holdDb = options.holdDb ?? 7;
    this.minFloor = options.minFloorDbfs ?? -70;
    this.absoluteMin = options.absoluteMinDbfs ?? -55;
  }

  /** Current noise floor estimate in dBFS (for diagnostics). */
  get noiseFloorDbfs(): number | null {
    return this.floor;
  }

  isSpeech(frame: Int16Array): boolean {
    const level = Math.max(dbfsOfSamples(frame), this.minFloor);
    let floor = this.floor ?? level;
    const margin = this.speaking ? this.holdDb : this.onsetDb;
    this.speaking = level > this.absoluteMin && level > floor + margin;
    if (level < floor) floor += (level - floor) * 0.3;
    else floor += (level - floor) * (this.speaking ? 0.001 : 0.02);
    this.floor = Math.max(floor, this.minFloor);
    return this.speaking;
  }
}
