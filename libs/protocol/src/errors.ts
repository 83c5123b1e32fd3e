/**
 * The errors Audexly code throws, each with a stable `code` and whether trying again may help (as
 * nats.js names its errors). Catch by class where the handling differs; read `code` and
 * `retryable` to report.
 */
import type { ErrorCode, ErrorCodeValue } from './error.js';

/** A failure with a stable code and whether trying again may help. */
export class AudexlyError extends Error {
  readonly code: ErrorCodeValue;
  readonly retryable: boolean;
  constructor(code: ErrorCodeValue, message: string, options: { cause?: unknown; retryable?: boolean } = {}) {
    super(message, { cause: options.cause });
    this.name = 'AudexlyError';
    this.code = code;
    this.retryable = options.retryable ?? false;
  }
}

/** The codes of a provider's failure: one per stage, and a provider that went quiet. */
export type UpstreamCode =
  typeof ErrorCode.sttUpstream | typeof ErrorCode.llmUpstream | typeof ErrorCode.ttsUpstream | typeof ErrorCode.timeout;

/**
 * A provider (Sarvam, OpenAI) failed. Retryable per its HTTP status ({@link isRetryableStatus}): a
 * network failure (no status), 5xx, 408 and 429 are; other 4xx are not.
 */
export class UpstreamError extends AudexlyError {
  /** The provider's HTTP status; undefined for a network failure or a broken stream. */
  readonly status: number | undefined;
  constructor(
    code: UpstreamCode,
    message: string,
    options: { cause?: unknown; status?: number; retryable?: boolean } = {},
  ) {
    super(code, message, { cause: options.cause, retryable: options.retryable ?? isRetryableStatus(options.status) });
    this.name = 'UpstreamError';
    this.status = options.status;
  }

  /**
   * What a stage reports when provider work failed: an {@link AudexlyError} as it is, anything
   * else (a bug, an SDK surprise) as an UpstreamError with `code`, `message` (default: the thrown
   * value as text) and retryable, since nothing says it is not.
   */
  static from(err: unknown, code: UpstreamCode, message: string = String(err)): AudexlyError {
    return err instanceof AudexlyError ? err : new UpstreamError(code, message, { cause: err });
  }
}

/** HTTP status → retryable, per our convention (5xx, 408, 429 retry; other 4xx do not). */
export function isRetryableStatus(status: number | undefined): boolean {
  if (status === undefined) return true; // network failure
  return status >= 500 || status === 408 || status === 429;
}
