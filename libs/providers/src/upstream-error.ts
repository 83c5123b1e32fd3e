import { UpstreamError, type UpstreamCode } from '@audexly/protocol';

/** An upstream failure; retryable follows the HTTP status (undefined = network). */
export function upstreamError(code: UpstreamCode, message: string, cause: unknown, status?: number): UpstreamError {
  return new UpstreamError(code, message, { cause, status });
}

/** The HTTP status carried by an SDK error (`statusCode` for Sarvam, `status` for OpenAI), if any. */
export function statusOf(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { statusCode?: unknown; status?: unknown };
  if (typeof e.statusCode === 'number') return e.statusCode;
  if (typeof e.status === 'number') return e.status;
  return undefined;
}

/** The message of anything thrown. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
