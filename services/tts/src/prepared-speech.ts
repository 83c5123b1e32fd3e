import type { SampleRate } from '@audexly/protocol';
import type { TtsSession } from '@audexly/providers';
import { SpanKind, SpanStatusCode, startChildSpan, type Logger, type Span } from '@audexly/telemetry';
import { CachedAudio, synthesizeInto } from './phrase-cache.js';
import type { TtsMetrics } from './tts-metrics.js';

/** One sentence being (or done being) synthesised ahead, and its trace. */
interface Prepared {
  text: string;
  /** The utterance whose speculation wrote it: turn n answers utterance n. */
  utterance: number;
  audio: CachedAudio;
  controller: AbortController;
  /** `tts.prepare`: ends once the synthesis has ended and the outcome is known. */
  span: Span;
  synthesised: Promise<void>;
}

/** A prepared sentence a segment took: play `audio`, then say whether the caller heard it from there. */
export interface TakenSpeech {
  audio: CachedAudio;
  settle(outcome: 'used' | 'unused'): void;
}

/**
 * The first sentence of a speculative answer (`reply.prepare`), synthesised ahead on the call's
 * TTS session while the caller's turn is still unconfirmed. It is heard only through
 * {@link take}: the next segment of its turn (or a later one) takes the audio over when it says
 * exactly the same text (the audio depends only on the text and the call's voice), and ends it
 * otherwise; an earlier turn's segment leaves it be. A newer sentence replaces an older one, and
 * an interrupt of its turn ends it. Only one is held, so a call's memory stays one sentence.
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
    sentence: { text: string; utterance: number },
    session: TtsSession,
    rates: { providerRate: SampleRate; callRate: SampleRate },
    span: Span,
  ): void {
    // Not awaited: the newer synthesis queues behind the older on the session, so awaiting the
    // newest one's `synthesised` (as `end()` does at the call's end) covers both.
    void this.end();
    const controller = new AbortController();
    const audio = new CachedAudio();
    const signal = AbortSignal.any([this.callSignal, controller.signal]);
    const request = startChildSpan(span, 'sarvam tts', {
      kind: SpanKind.CLIENT,
      attributes: { 'server.address': 'api.sarvam.ai' },
    });
    const synthesised = synthesizeInto(audio, session, sentence.text, rates, signal)
      .catch((err: unknown) => {
        request.setStatus({ code: SpanStatusCode.ERROR, message: 'synthesis failed' });
        this.log.warn(
          { err },
          'could not synthesise the speculative answer ahead; its segment will be synthesised then',
        );
      })
      .finally(() => request.end());
    this.current = { text: sentence.text.trim(), utterance: sentence.utterance, audio, controller, span, synthesised };
  }

  /**
   * For a segment about to be spoken: the prepared audio when the segment says its text, else
   * null. A segment of an earlier turn changes nothing; any other takes or ends what is prepared
   * (a sentence not taken stops synthesising, so the segment's own synthesis does not queue
   * behind it). The caller settles what it took once it has played it.
   */
  take(segment: { turn: number; text: string }): TakenSpeech | null {
    const current = this.current;
    if (current === null || segment.turn < current.utterance) return null;
    this.current = null;
    if (current.text !== segment.text.trim() || current.audio.failed) {
      this.drop(current);
      return null;
    }
    return { audio: current.audio, settle: (outcome) => this.settle(current, outcome) };
  }

  /** `control.interrupt` of `turn`: a sentence for it (or an earlier turn) will not be said. */
  interrupted(turn: number): void {
    if (this.current && this.current.utterance <= turn) void this.end();
  }

  /** Drops what is prepared (a newer sentence, an interrupt, the call's end); resolves once its synthesis has stopped. */
  end(): Promise<void> {
    const current = this.current;
    this.current = null;
    if (current === null) return Promise.resolve();
    this.drop(current);
    return current.synthesised;
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
