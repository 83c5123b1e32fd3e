import { createStreamingResampler } from '@audexly/audio';
import { AudioHeader, ErrorCode, subjects, UpstreamError, type ReplySegment, type SampleRate } from '@audexly/protocol';
import { EventQueue, type TtsSession } from '@audexly/providers';
import type { CallPort } from '@audexly/stage';
import {
  activeSpan,
  SpanKind,
  SpanStatusCode,
  startCallStageSpan,
  startChildSpan,
  withSpan,
  type Span,
} from '@audexly/telemetry';
import { voiceOf, type CachedAudio, type PhraseCache } from './phrase-cache.js';
import { PreparedSpeech, type TakenSpeech } from './prepared-speech.js';
import { createTtsMetrics, type TtsMetrics } from './tts-metrics.js';

/** A session to speak with, or why there is none. */
export type SpeakerSession = { session: TtsSession; sampleRate: SampleRate } | { session: null; reason: string };

/**
 * Speaks one call's reply segments, strictly one after another: segments of a turn in order, and
 * a later turn never interleaves an earlier one. Each segment's audio goes out on `audio.out` as it
 * arrives (headers turn, segment, seq, sample rate), followed by a closing message with
 * `Audexly-Last: 1`. An interrupted turn is aborted and its queued segments dropped: nothing more
 * of it is published, not even its closing message. A speculative answer's first sentence
 * (`reply.prepare`) is synthesised ahead and played if its turn's next segment says it.
 */
export class Speaker {
  private readonly queue = new EventQueue<ReplySegment>();
  /** Turns up to this one were interrupted. */
  private interruptedThrough = -1;
  private active: { turn: number; controller: AbortController } | null = null;
  private seq = 0;
  private readonly failedTurns = new Set<number>();
  private readonly subject: string;
  /**
   * The session `run` speaks with (a sentence is prepared on it too); set before any reply is read,
   * since the call's handler starts `run` with the session it opened first. Null once `run` ended.
   */
  private session: SpeakerSession | null = null;
  private readonly prepared: PreparedSpeech;

  constructor(
    private readonly call: CallPort,
    /** Audio of the agent's greeting and phrases, served without a TTS round trip. */
    private readonly cache: PhraseCache | null = null,
    metrics: TtsMetrics = createTtsMetrics(),
  ) {
    this.subject = subjects.audioOut(call.callId);
    this.prepared = new PreparedSpeech(call.log, call.signal, metrics);
  }

  /** `reply.prepare`: synthesise a speculative answer's first sentence (for `utterance`) ahead. */
  prepare(text: string, utterance: number): void {
    const speaker = this.session;
    if (speaker?.session == null || utterance <= this.interruptedThrough) return;
    const rates = { providerRate: speaker.sampleRate, callRate: this.call.call.sampleRate };
    // Beneath the turn it would start (turn n answers utterance n).
    const span = startCallStageSpan('tts.prepare', this.call.callId, utterance, this.spanAttributes(text));
    this.prepared.prepare({ text, utterance }, speaker.session, rates, span);
  }

  enqueue(segment: ReplySegment): void {
    if (segment.turn > this.interruptedThrough) this.queue.push(segment);
  }

  interrupt(turn: number): void {
    this.interruptedThrough = Math.max(this.interruptedThrough, turn);
    if (this.active && this.active.turn <= turn) this.active.controller.abort();
    this.prepared.interrupted(turn);
  }

  /** No more segments will come; `run` ends after the queued ones. */
  end(): void {
    this.queue.end();
  }

  async run(speaker: SpeakerSession): Promise<void> {
    this.session = speaker;
    try {
      await this.speakQueued(speaker);
    } finally {
      this.session = null;
      await this.prepared.end();
    }
  }

  private async speakQueued(speaker: SpeakerSession): Promise<void> {
    for await (const segment of this.queue) {
      if (segment.turn <= this.interruptedThrough) continue;
      if (this.call.signal.aborted) break;
      const controller = new AbortController();
      this.active = { turn: segment.turn, controller };
      const signal = AbortSignal.any([this.call.signal, controller.signal]);
      const span = this.segmentSpan(segment);
      try {
        await withSpan(span, async () => {
          const prepared = this.prepared.take(segment);
          if (prepared && (await this.playPrepared(segment, prepared, signal))) {
            // Synthesised ahead, during the speculation (its provider request is beneath tts.prepare).
            span.setAttribute('audexly.tts.prepared', 'used');
          } else if (await this.speakCached(segment, signal)) {
            // Served from the greeting cache.
            span.setAttribute('audexly.tts.cached', true);
          } else if (speaker.session === null) this.failTurn(segment, speaker.reason);
          else await this.speak(speaker.session, speaker.sampleRate, segment, signal);
        });
      } finally {
        this.active = null;
        if (signal.aborted) span.setAttribute('audexly.tts.interrupted', true);
        span.end();
      }
      if (!signal.aborted) this.publish(segment, Buffer.alloc(0), true);
    }
  }

  /**
   * Plays the audio synthesised ahead; false when its synthesis failed before any audio (the
   * segment is then synthesised as usual). A synthesis that failed part-way is the turn's error,
   * as in {@link speak}.
   */
  private async playPrepared(segment: ReplySegment, prepared: TakenSpeech, signal: AbortSignal): Promise<boolean> {
    const played = await this.play(segment, prepared.audio, signal, performance.now());
    prepared.settle(played ? 'used' : 'unused');
    if (played && prepared.audio.failed && !signal.aborted)
      this.call.error(ErrorCode.ttsUpstream, `text-to-speech failed part-way through segment ${segment.segment}`, {
        retryable: true,
        turn: segment.turn,
      });
    return played;
  }

  /** Plays a cached phrase; false when the text is not cached (or its synthesis failed before any audio). */
  private async speakCached(segment: ReplySegment, signal: AbortSignal): Promise<boolean> {
    const { agent, sampleRate } = this.call.call;
    const cached = this.cache?.get(agent.id, segment.text, voiceOf(agent), sampleRate);
    if (!cached) return false;
    return this.play(segment, cached, signal);
  }

  /**
   * Publishes audio made ahead as it becomes available; false when its synthesis failed before any
   * audio. With `since`, the first message says how long the segment waited for it (its provider
   * time as the turn sees it: the synthesis began earlier).
   */
  private async play(segment: ReplySegment, audio: CachedAudio, signal: AbortSignal, since?: number): Promise<boolean> {
    const playing = audio.play(signal);
    for (let first = true; ; first = false) {
      const next = await playing.next();
      if (next.done) return next.value;
      if (signal.aborted) return true;
      const waitedMs = first && since !== undefined ? Math.round((performance.now() - since) * 1000) / 1000 : undefined;
      this.publish(segment, next.value, false, waitedMs);
    }
  }

  private async speak(
    session: TtsSession,
    providerRate: SampleRate,
    segment: ReplySegment,
    signal: AbortSignal,
  ): Promise<void> {
    const callRate = this.call.call.sampleRate;
    const resampler = providerRate === callRate ? null : await createStreamingResampler(providerRate, callRate);
    const requestedAt = performance.now();
    let providerMs: number | null = null;
    // The provider's request (a WebSocket message or a REST call: the SDK makes no span of its own).
    const request = startChildSpan(activeSpan(), 'sarvam tts', {
      kind: SpanKind.CLIENT,
      attributes: { 'server.address': 'api.sarvam.ai', 'audexly.tts.model': this.call.call.agent.tts.model },
    });
    try {
      for await (const pcm of session.synthesize(segment.text, signal)) {
        if (signal.aborted) return;
        const out = resampler ? resampler.push(pcm) : pcm;
        if (out.byteLength === 0) continue;
        // Time inside the provider, on the segment's first audio message only.
        const first = providerMs === null;
        providerMs ??= Math.round((performance.now() - requestedAt) * 1000) / 1000;
        if (first) request.setAttribute('audexly.tts.first_byte_ms', providerMs);
        this.publish(segment, out, false, first ? providerMs : undefined);
      }
      if (signal.aborted) return;
      if (resampler) this.publish(segment, resampler.end(), false);
    } catch (err) {
      if (signal.aborted) return;
      const e = UpstreamError.from(err, ErrorCode.ttsUpstream);
      request.setStatus({ code: SpanStatusCode.ERROR, message: e.code });
      request.setAttribute('error.type', e.code);
      this.call.error(e.code, `text-to-speech failed for segment ${segment.segment}: ${e.message}`, {
        retryable: e.retryable,
        turn: segment.turn,
        err,
      });
    } finally {
      resampler?.destroy();
      request.end();
    }
  }

  /** The segment's `tts.segment` span, beneath its turn's span (a no-op with tracing off). */
  private segmentSpan(segment: ReplySegment): Span {
    return startCallStageSpan('tts.segment', this.call.callId, segment.turn, {
      ...this.spanAttributes(segment.text),
      'audexly.segment': segment.segment,
    });
  }

  private spanAttributes(text: string) {
    const { agent } = this.call.call;
    return {
      agentId: agent.id,
      language: agent.tts.language,
      'audexly.tts.chars': text.length,
      'audexly.tts.model': agent.tts.model,
      'audexly.tts.speaker': agent.tts.speaker,
    };
  }

  /** No provider: one error event per turn; each segment still gets its closing message. */
  private failTurn(segment: ReplySegment, reason: string): void {
    if (this.failedTurns.has(segment.turn)) return;
    this.failedTurns.add(segment.turn);
    this.call.error(ErrorCode.ttsUpstream, reason, { retryable: false, turn: segment.turn });
  }

  private publish(segment: ReplySegment, pcm: Buffer, last: boolean, providerMs?: number): void {
    if (!last && pcm.byteLength === 0) return;
    this.call.publishAudio(this.subject, pcm, {
      [AudioHeader.turn]: segment.turn,
      [AudioHeader.segment]: segment.segment,
      [AudioHeader.seq]: this.seq++,
      [AudioHeader.sampleRate]: this.call.call.sampleRate,
      ...(last ? { [AudioHeader.last]: 1 } : {}),
      ...(providerMs !== undefined ? { [AudioHeader.providerMs]: providerMs } : {}),
    });
  }
}
