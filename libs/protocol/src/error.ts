import { z } from 'zod';
import { eventBase } from './event.js';
import { STAGES } from './subjects.js';

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
  /** Caller audio was lost: a NATS outage outlasted what the gateway holds for a call. */
  audioGap: 'AUDEXLY_ERR_AUDIO_GAP',
  /** A stage held a call that no gateway holds any more (the gateway died without `call.ended`). */
  gatewayLost: 'AUDEXLY_ERR_GATEWAY_LOST',
} as const;
export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];
export const ERROR_CODES = Object.values(ErrorCode) as [ErrorCodeValue, ...ErrorCodeValue[]];

/** Who can fail something for a call: a stage, the gateway, or the api. */
export const ERROR_SOURCES = [...STAGES, 'gateway', 'api'] as const;
export type ErrorSource = (typeof ERROR_SOURCES)[number];

/** `call.<id>.error` — a stage failed something for this call. */
export const errorEventSchema = z.object({
  type: z.literal('error'),
  ...eventBase,
  stage: z.enum(ERROR_SOURCES),
  code: z.enum(ERROR_CODES),
  message: z.string(),
  retryable: z.boolean(),
  turn: z.number().int().nonnegative().nullable().default(null),
});
export type ErrorEvent = z.infer<typeof errorEventSchema>;
