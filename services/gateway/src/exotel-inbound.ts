/**
 * Messages from one Exotel socket into frames: rate-limited, parsed tolerantly, malformed ones
 * counted and dropped. Nothing a caller sends can throw out of here.
 */
import type { CallContext } from './call-context.js';
import { parseExotelFrame, type ExotelFrame } from './exotel/protocol.js';
import { MessageRateLimit } from './rate-limit.js';
import { CLOSE } from './session-deps.js';

/** Malformed frames logged at warn per call; the rest at debug. */
const MALFORMED_WARN_LIMIT = 5;

export class ExotelInbound {
  private readonly rateLimit: MessageRateLimit;
  /** Frames dropped as malformed so far. */
  malformed = 0;

  constructor(
    private readonly ctx: CallContext,
    private readonly onFrame: (frame: ExotelFrame) => void,
  ) {
    this.rateLimit = new MessageRateLimit(ctx.deps.settings.maxMessagesPerS, () => ctx.clock.now());
  }

  message(data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void {
    const { ctx } = this;
    try {
      if (ctx.state === 'ended') return;
      if (!this.rateLimit.take()) {
        ctx.deps.metrics.limitCloses.inc({ limit: 'message-rate' });
        ctx.log.warn({ limit: 'message-rate', maxPerS: ctx.deps.settings.maxMessagesPerS, closeCode: CLOSE.policy }, 'closing: too many messages per second');
        ctx.end('error', 'message rate limit', CLOSE.policy, 'message rate limit');
        return;
      }
      if (isBinary) {
        this.reject('binary', 'binary frame from Exotel');
        return;
      }
      const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8');
      const result = parseExotelFrame(text);
      if (!result.ok) {
        this.reject(result.error.code, result.error.message, result.error.event);
        return;
      }
      if (result.unknownKeys) {
        ctx.deps.metrics.unknownKeys.inc(result.unknownKeys.length);
        ctx.log.debug({ keys: result.unknownKeys.slice(0, 5).map((k) => k.slice(0, 40)), event: result.frame.event }, 'ignored unknown keys in an Exotel frame');
      }
      this.onFrame(result.frame);
    } catch (err) {
      // A bug handling one frame must not end the call or the gateway.
      ctx.deps.metrics.malformedFrames.inc({ reason: 'handler-error' });
      ctx.log.error({ err }, 'failed to handle an Exotel frame');
    }
  }

  /** Counts and logs a frame that is dropped. */
  reject(reason: string, message: string, event?: string): void {
    this.ctx.deps.metrics.malformedFrames.inc({ reason });
    this.malformed++;
    const level = this.malformed <= MALFORMED_WARN_LIMIT ? 'warn' : 'debug';
    this.ctx.log[level]({ reason, event, malformed: this.malformed }, `dropped a malformed Exotel frame: ${message}`);
  }
}
