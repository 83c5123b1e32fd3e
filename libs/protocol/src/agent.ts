import { z } from 'zod';
import { AGENT_TEXT_LIMITS, MAX_TTS_TEXT_CHARS } from './catalogue.js';

/** Sample rates Exotel streams at (`?sample-rate=`), end to end. */
export const SAMPLE_RATES = [8000, 16000, 24000] as const;
export const sampleRateSchema = z.union([z.literal(8000), z.literal(16000), z.literal(24000)]);
export type SampleRate = z.infer<typeof sampleRateSchema>;

export const sttConfigSchema = z.object({
  provider: z.literal('sarvam').default('sarvam'),
  /** One of the catalogue's STT_MODELS (`saarika:v2.5`, the product guide's choice, `saaras:v3`, …); the API refuses others. */
  model: z.string().min(1).default('saarika:v2.5'),
  /** BCP-47 (`hi-IN`, `en-IN`, …) or `unknown` to auto-detect; one the model transcribes (catalogue). */
  language: z.string().min(2).default('en-IN'),
});

export const llmConfigSchema = z.object({
  provider: z.literal('openai').default('openai'),
  model: z.string().min(1).max(AGENT_TEXT_LIMITS.llmModel).default('gpt-4o-mini'),
  temperature: z.number().min(0).max(2).default(0.3),
  maxTokens: z.number().int().positive().default(300),
});

export const ttsConfigSchema = z.object({
  provider: z.literal('sarvam').default('sarvam'),
  /** One of the catalogue's TTS_MODELS (`bulbul:v2`, `bulbul:v3`). */
  model: z.string().min(1).default('bulbul:v2'),
  /** One of the model's speakers (catalogue TTS_MODELS: bulbul:v2 has anushka…, bulbul:v3 shubh…). */
  speaker: z.string().min(1).default('anushka'),
  /** TTS language, one of Sarvam's 11 TTS codes. */
  language: z.string().min(2).default('en-IN'),
  /** Within the model's range (bulbul:v2 0.3–3, bulbul:v3 0.5–2); the API checks the model's own. */
  pace: z.number().min(0.3).max(3).default(1),
});

export const turnConfigSchema = z.object({
  /** Silence after speech that ends the caller's turn. */
  endOfTurnSilenceMs: z.number().int().min(100).max(5000).default(500),
  /** Speech shorter than this is noise, not a turn (and interrupts nothing). */
  minSpeechMs: z.number().int().min(0).max(2000).default(200),
  /** Caller speech over the agent interrupts it (barge-in). */
  bargeIn: z.boolean().default(true),
  /**
   * How caller speech over the agent interrupts it. `clear`: at speech onset (after `minSpeechMs`).
   * `pause`: at onset the agent's audio pauses; the utterance's transcript decides — acknowledgment
   * words only (`backchannelWords`) or no words (a cough) resume it where it paused, and the model
   * does not answer them; anything else clears it as `clear` does.
   */
  bargeInMode: z.enum(['clear', 'pause']).default('clear'),
  /**
   * `pause` mode: where the agent picks up after a backchannel or a cough. `pause`: where it
   * stopped. `sentence`: at the start of the sentence it was saying (the caller hears it whole).
   */
  resumeFrom: z.enum(['pause', 'sentence']).default('pause'),
  /**
   * Words that are only acknowledgment (matched whole, case-insensitive, punctuation ignored; a
   * phrase may have several words). null: the built-in English and Hindi lists (Latin and
   * Devanagari), e.g. "ok", "yeah", "uh-huh", "haan", "achha", "theek hai", "हाँ", "ठीक है".
   */
  backchannelWords: z.array(z.string().min(1).max(40)).max(200).nullable().default(null),
  /**
   * `pause` mode: longest pause without a decision. Then the agent is cleared if the caller is still
   * speaking, and resumes otherwise (a transcript that arrives later still interrupts it).
   */
  bargeInDecisionMs: z.number().int().min(200).max(5000).default(1500),
  /**
   * Completeness-aware end of turn (off by default: its voice-to-voice goal is not met yet). At a short pause
   * (`probeSilenceMs`) STT asks for the transcript so far; rules over it (English, Hindi) end a
   * finished sentence after `minSilenceMs` and wait `maxSilenceMs` for a visibly unfinished one
   * ("… and", "my number is", a half-read number, "… aur", "mera number"); otherwise
   * `endOfTurnSilenceMs`.
   */
  completeness: z
    .object({
      enabled: z.boolean().default(false),
      minSilenceMs: z.number().int().min(100).max(5000).default(300),
      maxSilenceMs: z.number().int().min(100).max(5000).default(1200),
      probeSilenceMs: z.number().int().min(100).max(1000).default(150),
    })
    .prefault({}),
  /**
   * Speculative answer (on by default: docs/benchmarks.md, "Speculative answer"): at the pause
   * probe (`completeness.probeSilenceMs`, probed whether or not `completeness.enabled`) the LLM
   * starts on the transcript so far; what it streams is held, never spoken nor in the history,
   * until the end of the turn confirms the same text, and its request is aborted when the caller
   * speaks on. Costs an extra model request when a caller pauses long enough for the probe's answer
   * and then speaks on.
   */
  speculate: z.boolean().default(true),
  /**
   * With `speculate`: TTS also synthesises the speculative answer's first sentence as soon as the
   * model has written it, so its audio is ready when the turn is confirmed. Gains up to the TTS
   * first byte when the model's first sentence comes before the end of turn (a long end-of-turn
   * silence, interim transcripts); costs that sentence's TTS characters when the caller speaks on.
   */
  speculateTts: z.boolean().default(true),
});

/** An HTTP tool the model may call: POST JSON arguments to `url`, the JSON answer goes back to the model. */
export const webhookToolSchema = z.object({
  name: z
    .string()
    .regex(
      new RegExp(`^[a-zA-Z0-9_-]{1,${AGENT_TEXT_LIMITS.webhookName}}$`),
      `must be 1 to ${AGENT_TEXT_LIMITS.webhookName} letters, digits, _ or -`,
    ),
  description: z.string().min(1).max(AGENT_TEXT_LIMITS.webhookDescription),
  url: z.url().max(AGENT_TEXT_LIMITS.webhookUrl),
  /** JSON schema of the arguments (OpenAI function parameters). */
  parameters: z.record(z.string(), z.unknown()).default({ type: 'object', properties: {} }),
  timeoutMs: z.number().int().min(100).max(30_000).default(5000),
  /** Extra request headers (e.g. an API key of the called system). Secret: never logged. */
  headers: z.record(z.string(), z.string()).default({}),
});

export const toolsConfigSchema = z.object({
  /** Offer the model `end_call` (says goodbye, then hangs up). */
  endCall: z.boolean().default(true),
  /** Offer `transfer_call` to this E.164 number; null = no transfers. (The API normalises it to E.164 and refuses what is not a number.) */
  transferNumber: z.string().nullable().default(null),
  webhooks: z.array(webhookToolSchema).default([]),
});

export const dtmfConfigSchema = z.object({
  /** Collect digits until the terminator or the timeout, then give them to the model as one input. */
  terminator: z
    .string()
    .regex(/^[#*]$/, 'must be # or *')
    .default('#'),
  timeoutMs: z.number().int().min(500).max(30_000).default(3000),
  maxDigits: z.number().int().min(1).max(64).default(20),
});

export const limitsConfigSchema = z.object({
  /** Caller silent this long after the agent finished: re-prompt. */
  idleRepromptMs: z.number().int().min(1000).default(8000),
  /** Caller silent this long: say goodbye and hang up. */
  idleHangupMs: z.number().int().min(2000).default(25_000),
  /** Hard limit of a call (Exotel's own is 60 min). */
  maxCallMs: z
    .number()
    .int()
    .min(10_000)
    .default(30 * 60 * 1000),
});

/** Text the TTS speaks in one request; the chosen model may take less (its `maxTextChars`, checked by the API). */
const spokenText = () => z.string().max(MAX_TTS_TEXT_CHARS);

/** Fixed phrases, synthesised once per agent, voice and rate (greeting cache). */
export const phrasesConfigSchema = z.object({
  apology: spokenText().default("Sorry, I'm having trouble right now. Could you say that again?"),
  goodbye: spokenText().default('Thank you for calling. Goodbye!'),
  idlePrompt: spokenText().default('Are you still there?'),
  /** Said before the caller is handed to a human (`transfer_call`) when the model said nothing itself. */
  transfer: spokenText().default('Please hold while I transfer your call.'),
  /** Played when no instance of a stage can take the call. */
  noCapacity: spokenText().default('Sorry, all our lines are busy right now. Please call again in a few minutes.'),
});

/** An agent as every stage sees it: a snapshot travels with each claim. */
export const agentConfigSchema = z.object({
  id: z.string().min(1),
  name: z.string().min(1).max(AGENT_TEXT_LIMITS.name),
  /** System prompt; `{{caller}}`, `{{dialled}}`, `{{now}}` are filled in per call. (The API also refuses one of only spaces.) */
  prompt: z.string().min(1).max(AGENT_TEXT_LIMITS.prompt),
  greeting: spokenText().default(''),
  language: z.string().min(2).default('en-IN'),
  sampleRate: sampleRateSchema.default(8000),
  stt: sttConfigSchema.prefault({}),
  llm: llmConfigSchema.prefault({}),
  tts: ttsConfigSchema.prefault({}),
  turn: turnConfigSchema.prefault({}),
  tools: toolsConfigSchema.prefault({}),
  dtmf: dtmfConfigSchema.prefault({}),
  limits: limitsConfigSchema.prefault({}),
  phrases: phrasesConfigSchema.prefault({}),
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
