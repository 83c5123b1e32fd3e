import { createStreamingResampler } from '@audexly/audio';
import { AudexlyError, AudioHeader, ErrorCode, subjects, type ReplySegment, type SampleRate } from '@audexly/protocol';
import { EventQueue, type TtsSession } from '@audexly/providers';
import type { StageCall } from '@audexly/stage';
import { voiceOf, type PhraseCache } from './phrase-cache.js';

/** A session to speak with, or why there is none. */
export type SpeakerSession = { session: TtsSession; sampleRate: SampleRate } | { session: null; reason: string };

/**
 * Speaks one call's reply segments, strictly one after another: segments of a turn in order, and
 * a later turn never interleaves an earlier one. Each segment's audio goes out on `audio.out` as it
 * arrives (headers turn, segment, seq, sample rate), followed by a closing message with
 * `Audexly-Last: 1`. An interrupted turn is aborted and its queued segments dropped: nothing more
 * of it is published, not even its closing message.
 */
export class Speaker {
  private readonly queue = new EventQueue<ReplySegment>();
  /** Turns up to this one were interrupted. */
  private interruptedThrough = -1;
  private active: { turn: number; controller: AbortController } | null = null;
  private seq = 0;
  private readonly failedTurns = new Set<number>();
  private readonly subject: string;

  constructor(
    private readonly call: StageCall,
    /** Audio of the agent's greeting and phrases, served without a TTS round trip. */
    private readonly cache: PhraseCache | null = null,
  ) {
    this.subject = subjects.audioOut(call.callId);
  }

  enqueue(segment: ReplySegment): void {
    if (segment.turn > this.interruptedThrough) this.queue.push(segment);
  }

  interrupt(turn: number): void {
    this.interruptedThrough = Math.max(this.interruptedThrough, turn);
    if (this.active && this.active.turn <= turn) this.active.controller.abort();
  }

  /** No more segments will come; `run` ends after the queued ones. */
  end(): void {
    this.queue.end();
  }

  async run(speaker: SpeakerSession): Promise<void> {
    for await (const segment of this.queue) {
      if (segment.turn <= this.interruptedThrough) continue;
      if (this.call.signal.aborted) break;
      const controller = new AbortController();
      this.active = { turn: segment.turn, controller };
      const signal = AbortSignal.any([this.call.signal, controller.signal]);
      try {
        if (await this.speakCached(segment, signal)) {
          // Served from the greeting cache.
        } else if (speaker.session === null) this.failTurn(segment, speaker.reason);
        else await this.speak(speaker.session, speaker.sampleRate, segment, signal);
      } finally {
        this.active = null;
      }
      if (!signal.aborted) this.publish(segment, Buffer.alloc(0), true);
    }
  }

  /** Plays a cached phrase; false when the text is not cached (or its synthesis failed before any audio). */
  private async speakCached(segment: ReplySegment, signal: AbortSignal): Promise<boolean> {
    const { agent, sampleRate } = this.call.call;
    const cached = this.cache?.get(agent.id, segment.text, voiceOf(agent), sampleRate);
    if (!cached) return false;
    const playing = cached.play(signal);
    for (;;) {
      const next = await playing.next();
      if (next.done) return next.value;
      if (signal.aborted) return true;
      this.publish(segment, next.value, false);
    }
  }

  private async speak(session: TtsSession, providerRate: SampleRate, segment: ReplySegment, signal: AbortSignal): Promise<void> {
    const callRate = this.call.call.sampleRate;
    const resampler = providerRate === callRate ? null : await createStreamingResampler(providerRate, callRate);
    const requestedAt = performance.now();
    let providerMs: number | null = null;
    try {
      for await (const pcm of session.synthesize(segment.text, signal)) {
        if (signal.aborted) return;
        const out = resampler ? resampler.push(pcm) : pcm;
        if (out.byteLength === 0) continue;
        // Time inside the provider, on the segment's first audio message only.
        const first = providerMs === null;
        providerMs ??= Math.round((performance.now() - requestedAt) * 1000) / 1000;
        this.publish(segment, out, false, first ? providerMs : undefined);
      }
      if (signal.aborted) return;
      if (resampler) this.publish(segment, resampler.end(), false);
    } catch (err) {
      if (signal.aborted) return;
      const e = err instanceof AudexlyError ? err : null;
      this.call.error(e?.code ?? ErrorCode.ttsUpstream, `text-to-speech failed for segment ${segment.segment}: ${e?.message ?? String(err)}`, { retryable: e?.retryable ?? true, turn: segment.turn, err });
    } finally {
      resampler?.destroy();
    }
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
