import { pcmToInt16 } from '@audexly/audio';

/** Which side of the call a chunk belongs to: the caller is the left channel, the agent the right. */
export type Channel = 'caller' | 'agent';

const MIN_CAPACITY = 16_384;

/**
 * One channel of PCM16 samples on the call timeline. Grows by doubling, so a call's audio costs
 * amortised O(n) copying; never grows past `maxSamples`.
 */
export class TimelineTrack {
  private samples = new Int16Array(0);
  private end = 0;

  constructor(private readonly maxSamples: number) {}

  /** Samples from timeline 0 to the end of the latest audio written. */
  get length(): number {
    return this.end;
  }

  /**
   * Writes `chunk` starting at sample `offset`, overwriting what is there. Samples before 0 or past
   * `maxSamples` are dropped; returns how many were dropped.
   */
  write(offset: number, chunk: Int16Array): number {
    const skip = Math.max(0, -offset);
    const start = Math.max(0, offset);
    const stop = Math.min(offset + chunk.length, this.maxSamples);
    if (stop <= start) return chunk.length;
    this.reserve(stop);
    this.samples.set(chunk.subarray(skip, skip + (stop - start)), start);
    this.end = Math.max(this.end, stop);
    return chunk.length - (stop - start);
  }

  /** PCM16LE of samples 0 to {@link length} (a view, not a copy); never-written samples are silence. */
  pcm(): Buffer {
    return Buffer.from(this.samples.buffer, this.samples.byteOffset, this.end * 2);
  }

  private reserve(size: number): void {
    if (size <= this.samples.length) return;
    const capacity = Math.min(this.maxSamples, Math.max(size, this.samples.length * 2, MIN_CAPACITY));
    const grown = new Int16Array(capacity);
    grown.set(this.samples.subarray(0, this.end));
    this.samples = grown;
  }
}

/**
 * A call's two sides placed by their timeline position, sample-accurately: a chunk whose first
 * sample is at `timelineMs` lands at sample `round(timelineMs * sampleRate / 1000)`. Gaps are
 * silence; audio that overlaps earlier audio on the same channel overwrites it.
 */
export class StereoTimeline {
  readonly sampleRate: number;
  private readonly tracks: Record<Channel, TimelineTrack>;

  constructor(sampleRate: number, maxMs: number) {
    this.sampleRate = sampleRate;
    const maxSamples = Math.floor((maxMs * sampleRate) / 1000);
    this.tracks = { caller: new TimelineTrack(maxSamples), agent: new TimelineTrack(maxSamples) };
  }

  /**
   * Places PCM16LE mono at the timeline position of its first sample; returns the samples dropped
   * for lying outside the recordable part. With `untilMs`, samples from that position on are left
   * out (audio cut there, e.g. by a `clear`); those do not count as dropped.
   */
  place(channel: Channel, timelineMs: number, pcm: Uint8Array, untilMs?: number): number {
    let samples = pcmToInt16(Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength));
    const offset = Math.round((timelineMs * this.sampleRate) / 1000);
    if (untilMs !== undefined)
      samples = samples.subarray(0, Math.max(0, Math.round((untilMs * this.sampleRate) / 1000) - offset));
    return this.tracks[channel].write(offset, samples);
  }

  /** Stereo frames: the longer channel's length. */
  get frames(): number {
    return Math.max(this.tracks.caller.length, this.tracks.agent.length);
  }

  get durationMs(): number {
    return (this.frames * 1000) / this.sampleRate;
  }

  /** Left (caller) and right (agent) PCM16LE; the shorter one ends early (encoders pad it). */
  channels(): { left: Buffer; right: Buffer } {
    return { left: this.tracks.caller.pcm(), right: this.tracks.agent.pcm() };
  }
}
