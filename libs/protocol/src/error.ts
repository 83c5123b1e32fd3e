import { z } from 'zod';
import { eventBase } from './event.js';

/** Stable error codes. 4xx from a provider is not retryable, except 408 and 429. */
export const ErrorCode = {
  sttUpstream: 'AUDEXLY_ERR_STT_UPSTREAM',
  llmUpstream: 'AUDEXLY_ERR_LLM_UPSTREAM',
  ttsUpstream: 'AUDEXLY_ERR_TTS_UPSTREAM',
  noCapacity: 'AUDEXLY_ERR_NO_CAPACITY',
  badInput: 'AUDEXLY_ERR_BAD_INPUT',
  timeout: 'AUDEXLY_ERR_TIMEOUT',
  internal: 'AUDEXLY_ERR_INTERNAL',
  storage: 'AUDEXLY_ERR_STORAGE',
} as const;
export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];

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

/** HTTP status → retryable, per our convention (5xx, 408, 429 retry; other 4xx do not). */
export function isRetryableStatus(status: number | undefined): boolean {
  if (status === undefined) return true; // network failure
  return status >= 500 || status === 408 || status === 429;
}

/** `call.<id>.error` — a stage failed something for this call. */
export const errorEventSchema = z.object({
  type: z.literal('error'),
  ...eventBase,
  stage: z.string(),
  code: z.string(),
  message: z.string(),
  retryable: z.boolean(),
  turn: z.number().int().nonnegative().nullable().default(null),
});
export type ErrorEvent = z.infer<typeof errorEventSchema>;
