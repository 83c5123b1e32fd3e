/**
 * The caller's audio onto `audio.in`: each decoded `media` payload, placed sample-accurately on the
 * call's timeline, numbered, and held while the stages are claimed (then sent, then live).
 */
import { AudioHeader, subjects, type SampleRate } from '@audexly/protocol';
import type { Logger } from '@audexly/telemetry';
import { CallerAudio } from './caller-audio.js';
import type { CallBus } from './call-bus.js';

export class CallerAudioIn {
  private readonly audio: CallerAudio;
  private readonly subject: string;
  private seq = 0;

  constructor(
    private readonly bus: CallBus,
    private readonly sampleRate: SampleRate,
    prestartBufferMs: number,
    private readonly log: Logger,
  ) {
    this.subject = subjects.audioIn(bus.callId);
    this.audio = new CallerAudio(sampleRate, prestartBufferMs, (frame) => this.publish(frame.pcm, frame.timelineMs));
  }

  /** A decoded `media` payload, in arrival order. */
  push(pcm: Buffer): void {
    this.audio.push(pcm);
  }

  /** The call is live: what was held goes out, then every frame as it comes. */
  goLive(): void {
    this.audio.goLive();
    if (this.audio.droppedWhileHeld > 0)
      this.log.warn({ dropped: this.audio.droppedWhileHeld }, 'caller audio dropped while claiming');
  }

  /** Ms of caller audio lost to a NATS outage longer than the hold. */
  get gapMs(): number {
    return this.bus.audioGapMs(this.subject);
  }

  private publish(pcm: Buffer, timelineMs: number): void {
    this.bus.publishAudio(this.subject, pcm, {
      [AudioHeader.seq]: this.seq++,
      [AudioHeader.timelineMs]: Math.round(timelineMs * 1000) / 1000,
      [AudioHeader.sampleRate]: this.sampleRate,
    });
  }
}
