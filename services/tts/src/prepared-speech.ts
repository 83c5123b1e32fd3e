import type { SampleRate } from '@audexly/protocol';
import type { TtsSession } from '@audexly/providers';
import { SpanKind, startChildSpan, type Logger, type Span } from '@audexly/telemetry';
import { CachedAudio, synthesizeInto } from './phrase-cache.js';
import type { TtsMetrics } from './tts-metrics.js';

/** One sentence being (or done being) synthesised ahead, and its trace. */
interface Prepared {
  text: string;
  audio: CachedAudio;
  controller: AbortController;
  /** `tts.prepare`: ends once the synthesis has ended and the outcome is known. */
  span: Span;
  synthesised: Promise<void>;
}

/**
 * The first sentence of a speculative answer (`reply.prepare`), synthesised ahead on the call's
 * TTS session while the caller's turn is still unconfirmed. It is heard only through
 * {@link take}: the next segment the speaker speaks takes the audio over when it says exactly the
 * same text (the audio depends only on the text and the call's voice), and ends it otherwise. A
 * newer sentence replaces an older one. Only one is held, so a call's memory stays one sentence.
 */
export class PreparedSpeech {
  private current: Prepared | null = null;

  constructor(
    private readonly log: Logger,
    private readonly callSignal: AbortSignal,
    private readonly metrics: TtsMetrics,
  ) {}

  /**
   * Starts synthesising `text` on `session`, ending any sentence prepared before. `span` is the
   * sentence's `tts.prepare` span (beneath the turn it would start); the provider request is a
   * CLIENT span beneath it, as beneath a `tts.segment`.
   */
  prepare(
    text: string,
    session: TtsSession,
    rates: { providerRate: SampleRate; callRate: SampleRate },
    span: Span,
  ): void {
    this.end();
    const controller = new AbortController();
    const audio = new CachedAudio();
    const signal = AbortSignal.any([this.callSignal, controller.signal]);
    const request = startChildSpan(span, 'sarvam tts', {
      kind: SpanKind.CLIENT,
      attributes: { 'server.address': 'api.sarvam.ai' },
    });
    const synthesised = synthesizeInto(audio, session, text, rates, signal)
      .catch((err: unknown) =>
        this.log.warn(
          { err },
          'could not synthesise the speculative answer ahead; its segment will be synthesised then',
        ),
      )
      .finally(() => request.end());
    this.current = { text: text.trim(), audio, controller, span, synthesised };
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
      this.settle(current, 'used');
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

  private drop(prepared: Prepared): void {
    prepared.controller.abort();
    this.settle(prepared, 'unused');
  }

  private settle(prepared: Prepared, outcome: 'used' | 'unused'): void {
    this.metrics.preparedSentences.inc({ outcome });
    prepared.span.setAttribute('audexly.tts.prepared', outcome);
    void prepared.synthesised.finally(() => prepared.span.end());
  }
}
