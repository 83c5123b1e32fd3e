/**
 * Caller audio from Exotel onto `audio.in`: sample-accurate timeline positions, a bounded buffer
 * for audio that arrives while the stages are being claimed, and frame-loss accounting from
 * Exotel's `sequence_number`.
 */

export interface CallerFrame {
  pcm: Buffer;
  /** Position of the first sample on the call timeline: bytes received before it / bytes per ms. */
  timelineMs: number;
}

export class CallerAudio {
  private bytesReceived = 0;
  private readonly bytesPerMs: number;
  private held: CallerFrame[] = [];
  private heldBytes = 0;
  private live = false;
  /** Frames dropped from the pre-start buffer because it was full. */
  droppedWhileHeld = 0;

  constructor(
    sampleRate: number,
    private readonly maxHeldMs: number,
    private readonly publish: (frame: CallerFrame) => void,
  ) {
    this.bytesPerMs = (sampleRate * 2) / 1000;
  }

  /** A decoded `media` payload, in arrival order. */
  push(pcm: Buffer): void {
    const frame = { pcm, timelineMs: this.bytesReceived / this.bytesPerMs };
    this.bytesReceived += pcm.byteLength;
    if (this.live) {
      this.publish(frame);
      return;
    }
    this.held.push(frame);
    this.heldBytes += pcm.byteLength;
    while (this.heldBytes > this.maxHeldMs * this.bytesPerMs && this.held.length > 0) {
      this.heldBytes -= this.held.shift()!.pcm.byteLength;
      this.droppedWhileHeld++;
    }
  }

  /** The call has started: publishes what was held, then every frame as it comes. */
  goLive(): void {
    if (this.live) return;
    this.live = true;
    const held = this.held;
    this.held = [];
    this.heldBytes = 0;
    for (const frame of held) this.publish(frame);
  }

  /** Ms of caller audio received so far. */
  get receivedMs(): number {
    return this.bytesReceived / this.bytesPerMs;
  }
}

/** Fewest ms between two of Exotel's events a real stream shows (media is 20 ms at least; generous). */
const MIN_EVENT_MS = 10;
/** Events a real stream may be ahead of the clock by (bursts after a network stall). */
const SLACK_EVENTS = 100;

export interface SequenceStep {
  /** Frames this one shows as missing (0 when in order). */
  lost: number;
  reordered: boolean;
  /** The number could not be real (not a safe integer, or further ahead than time allows): ignored. */
  anomaly: boolean;
}

/**
 * Counts gaps and regressions in Exotel's one-per-stream `sequence_number`. The numbers come from
 * outside, so nothing derived from them is trusted further than the call's duration allows: the
 * stream can be at most {@link SLACK_EVENTS} plus one event per {@link MIN_EVENT_MS} past its first
 * number. A number further ahead (or not a non-negative safe integer) is a sequence anomaly,
 * counted as such and otherwise ignored — so `lost` stays a small safe integer whatever is sent.
 */
export class SequenceTracker {
  private first: number | null = null;
  private firstAt = 0;
  private last = 0;
  lost = 0;
  reordered = 0;
  anomalies = 0;

  constructor(private readonly now: () => number = Date.now) {}

  observe(sequenceNumber: number | null): SequenceStep {
    if (sequenceNumber === null) return { lost: 0, reordered: false, anomaly: false };
    if (!Number.isSafeInteger(sequenceNumber) || sequenceNumber < 0) return this.anomaly();
    if (this.first === null) {
      this.first = this.last = sequenceNumber;
      this.firstAt = this.now();
      return { lost: 0, reordered: false, anomaly: false };
    }
    if (sequenceNumber <= this.last) {
      this.reordered++;
      return { lost: 0, reordered: true, anomaly: false };
    }
    if (sequenceNumber - this.first > this.furthestPossible()) return this.anomaly();
    const lost = sequenceNumber - this.last - 1;
    this.last = sequenceNumber;
    this.lost += lost;
    return { lost, reordered: false, anomaly: false };
  }

  /** How far past its first number the stream can be by now. */
  private furthestPossible(): number {
    return SLACK_EVENTS + Math.floor(Math.max(0, this.now() - this.firstAt) / MIN_EVENT_MS);
  }

  private anomaly(): SequenceStep {
    this.anomalies++;
    return { lost: 0, reordered: false, anomaly: true };
  }
}
