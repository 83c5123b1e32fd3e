import { bytesPerSample } from '@audexly/audio';

/** One fixed-size frame of PCM16LE and where it sits on the call timeline. */
export interface TimedFrame {
  pcm: Buffer;
  startMs: number;
  durationMs: number;
}

/**
 * Cuts audio chunks of any size into frames of `frameSamples`, carrying the remainder over. Each
 * chunk's timeline position (the `Audexly-Timeline-Ms` header) anchors its samples, so frame times
 * are exact even when chunks are irregular.
 */
export class AudioFramer {
  private carry: Buffer = Buffer.alloc(0);
  private carryStartMs = 0;
  private readonly frameBytes: number;
  private readonly frameMs: number;

  constructor(
    private readonly sampleRate: number,
    frameSamples: number,
  ) {
    this.frameBytes = frameSamples * bytesPerSample;
    this.frameMs = (frameSamples * 1000) / sampleRate;
  }

  push(pcm: Buffer, timelineMs: number): TimedFrame[] {
    if (this.carry.byteLength === 0) {
      this.carry = pcm;
      this.carryStartMs = timelineMs;
    } else {
      this.carry = Buffer.concat([this.carry, pcm]);
    }
    const frames: TimedFrame[] = [];
    let offset = 0;
    while (this.carry.byteLength - offset >= this.frameBytes) {
      const startMs = this.carryStartMs + (offset / bytesPerSample / this.sampleRate) * 1000;
      frames.push({ pcm: this.carry.subarray(offset, offset + this.frameBytes), startMs, durationMs: this.frameMs });
      offset += this.frameBytes;
    }
    this.carryStartMs += (offset / bytesPerSample / this.sampleRate) * 1000;
    this.carry = offset === 0 ? this.carry : Buffer.from(this.carry.subarray(offset));
    return frames;
  }
}
