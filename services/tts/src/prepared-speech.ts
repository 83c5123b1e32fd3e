import type { SampleRate } from '@audexly/protocol';
import type { TtsSession } from '@audexly/providers';
import type { Logger } from '@audexly/telemetry';
import { CachedAudio, synthesizeInto } from './phrase-cache.js';
import type { TtsMetrics } from './tts-metrics.js';

/**
 * The first sentence of a speculative answer (`reply.prepare`), synthesised ahead on the call's
 * TTS session while the caller's turn is still unconfirmed. It is heard only through
 * {@link take}: the next segment the speaker speaks takes the audio over when it says exactly the
 * same text (the audio depends only on the text and the call's voice), and ends it otherwise. A
 * newer sentence replaces an older one. Only one is held, so a call's memory stays one sentence.
 */
export class PreparedSpeech {
  private current: { text: string; audio: CachedAudio; controller: AbortController } | null = null;

  constructor(
    private readonly log: Logger,
    private readonly callSignal: AbortSignal,
    private readonly metrics: TtsMetrics,
  ) {}

  /** Starts synthesising `text` on `session`, ending any sentence prepared before. */
  prepare(text: string, session: TtsSession, rates: { providerRate: SampleRate; callRate: SampleRate }): void {
    this.end();
    const controller = new AbortController();
    const audio = new CachedAudio();
    const signal = AbortSignal.any([this.callSignal, controller.signal]);
    this.current = { text: text.trim(), audio, controller };
    synthesizeInto(audio, session, text, rates, signal).catch((err: unknown) =>
      this.log.warn({ err }, 'could not synthesise the speculative answer ahead; its segment will be synthesised then'),
    );
  }

  /**
   * For the next segment to speak: the prepared audio when it says `text`, else null. Either way
   * nothing stays prepared; a sentence not taken stops synthesising, so the segment's own synthesis
   * does not queue behind it.
   */
  take(text: string): CachedAudio | null {
    const current = this.current;
    if (current === null) return null;
    this.current = null;
    if (current.text === text.trim() && !current.audio.failed) {
      this.metrics.preparedSentences.inc({ outcome: 'used' });
      return current.audio;
    }
    this.drop(current);
    return null;
  }

  /** Drops what is prepared (a newer sentence, or the call's end). */
  end(): void {
    if (this.current) this.drop(this.current);
    this.current = null;
  }

  private drop(prepared: { controller: AbortController }): void {
    prepared.controller.abort();
    this.metrics.preparedSentences.inc({ outcome: 'unused' });
  }
}
