import { Counter, type Registry } from '@audexly/telemetry';

/** What the STT stage counts about words, so a loss of words shows on a dashboard. */
export interface SttMetrics {
  /** Words published in `speech.final`. */
  readonly words: Counter;
  /**
   * Words the provider returned for audio whose transcript was already published (a late tail):
   * `outcome="merged"` went into the next utterance, `outcome="call-ended"` had no utterance left.
   */
  readonly unplacedWords: Counter<'outcome'>;
  /** Caller audio frames that came again (the gateway re-sends around a NATS outage) and were skipped. */
  readonly repeatedFrames: Counter;
  /** Caller audio frames that never came (a gap in `Audexly-Seq`). */
  readonly missingFrames: Counter;
  /** VAD windows by `verdict`: `modelled` ran the model, `gated` was silence without it (counted at a call's end). */
  readonly vadWindows: Counter<'verdict'>;
}

export function createSttMetrics(registry?: Registry): SttMetrics {
  const registers = registry ? [registry] : [];
  return {
    words: new Counter({
      name: 'audexly_stt_words_total',
      help: 'Words of caller speech published in final transcripts',
      registers,
    }),
    unplacedWords: new Counter({
      name: 'audexly_stt_unplaced_words_total',
      help: 'Words the provider returned after their utterance was answered (merged into the next utterance, or left when the call ended)',
      labelNames: ['outcome'],
      registers,
    }),
    repeatedFrames: new Counter({
      name: 'audexly_stt_repeated_audio_frames_total',
      help: 'Caller audio frames received again (re-sent after a NATS outage) and skipped',
      registers,
    }),
    missingFrames: new Counter({
      name: 'audexly_stt_missing_audio_frames_total',
      help: 'Caller audio frames missing from the sequence (lost between the gateway and STT)',
      registers,
    }),
    vadWindows: new Counter({
      name: 'audexly_stt_vad_windows_total',
      help: 'Voice activity windows of ended calls: modelled (the Silero model ran) or gated (silence, the model skipped)',
      labelNames: ['verdict'],
      registers,
    }),
  };
}

/** Words in a transcript (whitespace separated). */
export function wordCount(text: string): number {
  const trimmed = text.trim();
  return trimmed === '' ? 0 : trimmed.split(/\s+/).length;
}
