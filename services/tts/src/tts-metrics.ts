import { Counter, type Registry } from '@audexly/telemetry';

/** What the TTS stage counts beyond the stage runtime's own metrics. */
export interface TtsMetrics {
  /**
   * Speculative answers' first sentences synthesised ahead (`reply.prepare`), by `outcome`: `used`
   * (the turn's segment said them) or `unused` (the caller spoke on, or the answer differed: their
   * characters were billed for nothing).
   */
  readonly preparedSentences: Counter<'outcome'>;
}

export function createTtsMetrics(registry?: Registry): TtsMetrics {
  return {
    preparedSentences: new Counter({
      name: 'audexly_tts_prepared_sentences_total',
      help: 'Sentences synthesised ahead during a speculative answer, by outcome (used, unused)',
      labelNames: ['outcome'],
      registers: registry ? [registry] : [],
    }),
  };
}
