import { z } from 'zod';

/** Sample rates Exotel streams at (`?sample-rate=`), end to end. */
export const SAMPLE_RATES = [8000, 16000, 24000] as const;
export const sampleRateSchema = z.union([z.literal(8000), z.literal(16000), z.literal(24000)]);
export type SampleRate = z.infer<typeof sampleRateSchema>;

export const sttConfigSchema = z.object({
  provider: z.literal('sarvam').default('sarvam'),
  /** `saarika:v2.5` (the product guide's choice) or `saaras:v3`. */
  model: z.string().min(1).default('saarika:v2.5'),
  /** BCP-47 (`hi-IN`, `en-IN`, …) or `unknown` to auto-detect. */
  language: z.string().min(2).default('en-IN'),
});

export const llmConfigSchema = z.object({
  provider: z.literal('openai').default('openai'),
  model: z.string().min(1).default('gpt-4o-mini'),
  temperature: z.number().min(0).max(2).default(0.3),
  maxTokens: z.number().int().positive().default(300),
});

export const ttsConfigSchema = z.object({
  provider: z.literal('sarvam').default('sarvam'),
  /** `bulbul:v2` or `bulbul:v3`. */
  model: z.string().min(1).default('bulbul:v2'),
  /** Must match the model (bulbul:v2: anushka, manisha, vidya, arya, abhilash, karun, hitesh). */
  speaker: z.string().min(1).default('anushka'),
  /** TTS language, one of Sarvam's 11 TTS codes. */
  language: z.string().min(2).default('en-IN'),
  pace: z.number().min(0.3).max(3).default(1),
});

export const turnConfigSchema = z.object({
  /** Silence after speech that ends the caller's turn. */
  endOfTurnSilenceMs: z.number().int().min(100).max(5000).default(500),
  /** Speech shorter than this is noise, not a turn. */
  minSpeechMs: z.number().int().min(0).max(2000).default(200),
});

/** An agent as every stage sees it: a snapshot travels with each claim. */
export const agentConfigSchema = z.object({
  id: z.string().min(1),
  name: z.string().min(1),
  /** System prompt; `{{caller}}`, `{{dialled}}`, `{{now}}` are filled in per call. */
  prompt: z.string().min(1),
  greeting: z.string().default(''),
  language: z.string().min(2).default('en-IN'),
  sampleRate: sampleRateSchema.default(8000),
  stt: sttConfigSchema.prefault({}),
  llm: llmConfigSchema.prefault({}),
  tts: ttsConfigSchema.prefault({}),
  turn: turnConfigSchema.prefault({}),
});
export type AgentConfig = z.infer<typeof agentConfigSchema>;
export type AgentConfigInput = z.input<typeof agentConfigSchema>;

export const DIRECTIONS = ['inbound', 'outbound'] as const;

/** What the gateway knows about a call when it starts; carried by claims and `call.started`. */
export const callDescriptorSchema = z.object({
  callId: z.string().min(1),
  callSid: z.string(),
  streamSid: z.string(),
  accountSid: z.string().default(''),
  /** Caller and dialled numbers as Exotel sent them (PII: log only under `pii.*`). */
  from: z.string().default(''),
  to: z.string().default(''),
  direction: z.enum(DIRECTIONS).default('inbound'),
  sampleRate: sampleRateSchema,
  customParameters: z.record(z.string(), z.string()).default({}),
  /** Wall clock (epoch ms) of timeline 0: when the gateway accepted `start`. */
  startedAt: z.number(),
  agent: agentConfigSchema,
});
export type CallDescriptor = z.infer<typeof callDescriptorSchema>;
