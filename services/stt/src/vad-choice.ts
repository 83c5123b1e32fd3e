import type { SampleRate } from '@audexly/protocol';
import type { Logger } from '@audexly/telemetry';
import { SileroVad } from './silero-vad.js';
import { EnergyVad, type VoiceActivityDetector } from './vad.js';

/** Voice activity detectors the service can run (`STT_VAD`). */
export const VAD_KINDS = ['silero', 'energy'] as const;
export type VadKind = (typeof VAD_KINDS)[number];

export interface VadChoice {
  kind: VadKind;
  /** Silero's speech probability threshold. */
  sileroThreshold: number;
  /** Windows quieter than this (dBFS) are silence without the Silero model (default: `SILENCE_GATE_DBFS`). */
  silenceGateDbfs?: number;
}

/**
 * A detector for one call: Silero by default; the energy detector when chosen, or when the Silero
 * model cannot be loaded (logged once per call as a warning; turn-taking keeps working).
 */
export async function createVad(
  choice: VadChoice,
  sampleRate: SampleRate,
  log: Logger,
): Promise<VoiceActivityDetector> {
  if (choice.kind === 'silero') {
    try {
      return await SileroVad.create({
        sampleRate,
        threshold: choice.sileroThreshold,
        ...(choice.silenceGateDbfs === undefined ? {} : { silenceGateDbfs: choice.silenceGateDbfs }),
      });
    } catch (err) {
      log.warn({ err }, 'Silero VAD is unavailable; using the energy VAD for this call');
    }
  }
  return new EnergyVad({ sampleRate });
}
