/**
 * The caller's side of one call: frame-loss counting over Exotel's `sequence_number`, and caller
 * audio onto `audio.in` (held while the stages are claimed, then live).
 */
import { AudioHeader, subjects, type SampleRate } from '@audexly/protocol';
import type { CallContext } from './call-context.js';
import { CallerAudio, SequenceTracker } from './caller-audio.js';

export class CallerStream {
  private readonly sequence = new SequenceTracker();
  private audio: CallerAudio | undefined;
  private audioInSeq = 0;
  private audioInSubjectCache: string | undefined;

  constructor(private readonly ctx: CallContext) {}

  /** Frames Exotel's sequence numbers show as lost so far. */
  get lostFrames(): number {
    return this.sequence.lost;
  }

  get reorderedFrames(): number {
    return this.sequence.reordered;
  }

  /** Whether `start` set up the caller's audio (media before it is rejected). */
  get started(): boolean {
    return this.audio !== undefined;
  }

  /** Counts a frame's `sequence_number` (every event carries one). */
  observe(sequenceNumber: number | null): void {
    const { ctx } = this;
    const gap = this.sequence.observe(sequenceNumber);
    if (gap.lost > 0) {
      ctx.deps.metrics.lostFrames.inc(gap.lost);
      ctx.log.debug({ lost: gap.lost, sequenceNumber }, 'Exotel frames missing');
    }
    if (gap.reordered) {
      ctx.deps.metrics.reorderedFrames.inc();
      ctx.log.debug({ sequenceNumber }, 'Exotel frame out of order');
    }
  }

  /** At `start`: caller audio is held from now until {@link goLive}. */
  start(sampleRate: SampleRate): void {
    this.audio = new CallerAudio(sampleRate, this.ctx.deps.settings.prestartBufferMs, (f) => this.publish(f.pcm, f.timelineMs));
  }

  /** A decoded `media` payload (after {@link start}). */
  push(pcm: Buffer): void {
    this.audio?.push(pcm);
  }

  /** The call has started: what was held goes out, then every frame as it comes. */
  goLive(): void {
    this.audio?.goLive();
    if (this.audio && this.audio.droppedWhileHeld > 0) {
      this.ctx.log.warn({ dropped: this.audio.droppedWhileHeld }, 'caller audio dropped while claiming');
    }
  }

  private get audioInSubject(): string {
    return (this.audioInSubjectCache ??= subjects.audioIn(this.ctx.callId!));
  }

  private publish(pcm: Buffer, timelineMs: number): void {
    const call = this.ctx.call;
    if (!call) return;
    this.ctx.publishAudio(this.audioInSubject, pcm, {
      [AudioHeader.seq]: this.audioInSeq++,
      [AudioHeader.timelineMs]: Math.round(timelineMs * 1000) / 1000,
      [AudioHeader.sampleRate]: call.sampleRate,
    });
  }
}
