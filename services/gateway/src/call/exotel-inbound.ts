/**
 * Messages from one Exotel socket into frames: rate-limited, parsed tolerantly, malformed ones
 * counted and dropped, and Exotel's `sequence_number` followed (frames lost, out of order, or
 * numbers that could not be real). Nothing a caller sends can throw out of here.
 */
import type { Logger } from '@audexly/telemetry';
import { SequenceTracker } from './caller-audio.js';
import { parseExotelFrame, type ExotelFrame } from '../exotel/protocol.js';
import type { GatewayMetrics } from '../metrics.js';
import type { PacerClock } from '../pacer.js';
import { MessageRateLimit } from '../rate-limit.js';

/** Malformed frames logged at warn per call; the rest at debug. */
const MALFORMED_WARN_LIMIT = 5;

export interface ExotelInboundOptions {
  metrics: GatewayMetrics;
  log: Logger;
  clock: PacerClock;
  maxMessagesPerS: number;
  /** A parsed frame, in arrival order. */
  onFrame(frame: ExotelFrame): void;
  /** The socket sends more messages per second than allowed: the call must end. */
  onFlood(): void;
}

/** What the stream's sequence numbers showed, for `call.ended`. */
export interface FrameCounts {
  lostFrames: number;
  reorderedFrames: number;
  sequenceAnomalies: number;
  malformedFrames: number;
}

export class ExotelInbound {
  private readonly rateLimit: MessageRateLimit;
  private readonly sequence = new SequenceTracker();
  private malformed = 0;
  private log: Logger;
  private stopped = false;

  constructor(private readonly options: ExotelInboundOptions) {
    this.log = options.log;
    this.rateLimit = new MessageRateLimit(options.maxMessagesPerS, () => options.clock.now());
  }

  /** From `start` on, the call's logger (with its id). */
  useLog(log: Logger): void {
    this.log = log;
  }

  /** The call ended: later messages are ignored. */
  stop(): void {
    this.stopped = true;
  }

  counts(): FrameCounts {
    return {
      lostFrames: this.sequence.lost,
      reorderedFrames: this.sequence.reordered,
      sequenceAnomalies: this.sequence.anomalies,
      malformedFrames: this.malformed,
    };
  }

  message(data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void {
    const { metrics } = this.options;
    try {
      if (this.stopped) return;
      if (!this.rateLimit.take()) {
        metrics.limitCloses.inc({ limit: 'message-rate' });
        this.log.warn(
          { limit: 'message-rate', maxPerS: this.options.maxMessagesPerS },
          'closing: too many messages per second',
        );
        this.options.onFlood();
        return;
      }
      if (isBinary) {
        this.reject('binary', 'binary frame from Exotel');
        return;
      }
      const text = Array.isArray(data)
        ? Buffer.concat(data).toString('utf8')
        : Buffer.from(data as ArrayBuffer).toString('utf8');
      const result = parseExotelFrame(text);
      if (!result.ok) {
        this.reject(result.error.code, result.error.message, result.error.event);
        return;
      }
      if (result.unknownKeys) {
        metrics.unknownKeys.inc(result.unknownKeys.length);
        this.log.debug(
          { keys: result.unknownKeys.slice(0, 5).map((k) => k.slice(0, 40)), event: result.frame.event },
          'ignored unknown keys in an Exotel frame',
        );
      }
      metrics.framesIn.inc({ event: result.frame.event });
      this.options.onFrame(result.frame);
    } catch (err) {
      // A bug handling one frame must not end the call or the gateway.
      metrics.malformedFrames.inc({ reason: 'handler-error' });
      this.log.error({ err }, 'failed to handle an Exotel frame');
    }
  }

  /** Counts and logs a frame that is dropped. */
  reject(reason: string, message: string, event?: string): void {
    this.options.metrics.malformedFrames.inc({ reason });
    this.malformed++;
    const level = this.malformed <= MALFORMED_WARN_LIMIT ? 'warn' : 'debug';
    this.log[level]({ reason, event, malformed: this.malformed }, `dropped a malformed Exotel frame: ${message}`);
  }

  /** Counts a frame's `sequence_number` (every event of this call's stream carries one). */
  countSequence(sequenceNumber: number | null): void {
    const { metrics } = this.options;
    const step = this.sequence.observe(sequenceNumber);
    if (step.lost > 0) {
      metrics.lostFrames.inc(step.lost);
      this.log.debug({ lost: step.lost, sequenceNumber }, 'Exotel frames missing');
    }
    if (step.anomaly) this.log.debug({ sequenceNumber }, 'implausible Exotel sequence_number ignored');
    if (step.reordered) {
      metrics.reorderedFrames.inc();
      this.log.debug({ sequenceNumber }, 'Exotel frame out of order');
    }
  }
}
