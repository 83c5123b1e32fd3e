import { z } from 'zod';
import { DIRECTIONS, sampleRateSchema } from './agent.js';
import { END_REASONS, type EndReason } from './lifecycle.js';

/**
 * The call record: what the recorder writes, as JSON, to the `calls` KV bucket under the call id
 * once a call has ended, and what the API serves. Times on the call timeline are ms since the
 * gateway accepted Exotel's `start`; wall-clock times are ISO 8601 strings. A value that could not
 * be observed (no speech in the greeting turn, a turn cut off before audio) is `null`, never 0.
 */
export const CALL_RECORD_VERSION = 1 as const;

/** `completed` when the call ended normally; `failed` when it ended with `error` or `no-capacity`. */
export const CALL_STATUSES = ['completed', 'failed'] as const;
export type CallStatus = (typeof CALL_STATUSES)[number];

/** Who ended the call: the caller hung up, the agent ended or transferred it, or the system did. */
export const HANGUP_PARTIES = ['caller', 'agent', 'system'] as const;
export type HangupParty = (typeof HANGUP_PARTIES)[number];

/**
 * Who hung up, from the end reason: `caller-hangup` → caller; `agent-hangup`, `transfer` → agent;
 * the rest (`stopped`: the Exotel flow moved on; `socket-closed`, `no-capacity`, `error`,
 * `shutdown`) → system. Null when the call's end was not seen.
 */
export function hungUpByOf(reason: EndReason | null): HangupParty | null {
  if (reason === null) return null;
  if (reason === 'caller-hangup') return 'caller';
  if (reason === 'agent-hangup' || reason === 'transfer') return 'agent';
  return 'system';
}

/** Where a recording is kept; the key is the object's name in that store. */
export const RECORDING_STORES = ['nats-object-store', 's3'] as const;

/** One line of the transcript (PII). */
export const transcriptLineSchema = z.object({
  role: z.enum(['caller', 'agent']),
  text: z.string(),
  /** Where the line starts on the call timeline: caller speech start; agent first audio sent (else first reply text). */
  timelineMs: z.number(),
  /** The caller's utterance n and the agent's answer to it share turn n; the greeting is turn 0. */
  turn: z.number().int().nonnegative(),
  /** Agent lines: the caller barged in, so `text` is only what was heard in full. */
  interrupted: z.boolean().default(false),
});
export type TranscriptLine = z.infer<typeof transcriptLineSchema>;

const ms = z.number().nullable();

/** Per-turn latency, each the difference of two timeline positions (null when either is unknown). */
export const turnLatencySchema = z.object({
  /** speech end → final transcript. */
  sttMs: ms,
  /** final transcript → first reply text. */
  llmMs: ms,
  /** first reply text → first TTS audio at the gateway. */
  ttsMs: ms,
  /** speech end → first audio sent to Exotel: what the caller waits. */
  voiceToVoiceMs: ms,
});
export type TurnLatency = z.infer<typeof turnLatencySchema>;

/** One turn: the caller's utterance n (absent for the greeting, turn 0) and the agent's answer. */
export const callTurnSchema = z.object({
  turn: z.number().int().nonnegative(),
  callerText: z.string().nullable(),
  /** First caller speech sample of the utterance (`speech.final.speechStartMs`). */
  speechStartMs: ms.default(null),
  /** Language of the caller's utterance as the STT provider detected it. */
  language: z.string().nullable().default(null),
  agentText: z.string().nullable(),
  /** Last caller speech sample (`speech.final.speechEndMs`). */
  speechEndMs: ms,
  /** Final transcript published (`speech.final.timelineMs`). */
  transcriptMs: ms,
  /** First reply text published (first `reply.segment.timelineMs`). */
  firstReplyMs: ms,
  /** First TTS audio reached the gateway (`playback.started.firstAudioInMs`). */
  firstAudioInMs: ms,
  /** First audio sent to Exotel (`playback.started.timelineMs`). */
  firstAudioSentMs: ms,
  interrupted: z.boolean().default(false),
  latency: turnLatencySchema,
});
export type CallTurn = z.infer<typeof callTurnSchema>;

export const callErrorSchema = z.object({
  stage: z.string(),
  code: z.string(),
  message: z.string(),
  turn: z.number().int().nonnegative().nullable(),
  timelineMs: z.number(),
});
export type CallError = z.infer<typeof callErrorSchema>;

/** A stereo PCM16 WAV: caller on the left channel, agent (what the caller heard) on the right. */
export const recordingInfoSchema = z.object({
  store: z.enum(RECORDING_STORES),
  key: z.string().min(1),
  bytes: z.number().int().nonnegative(),
  durationMs: z.number().nonnegative(),
  sampleRate: sampleRateSchema,
  channels: z.literal(2),
});
export type RecordingInfo = z.infer<typeof recordingInfoSchema>;

export const callUsageSchema = z.object({
  /** Seconds of audio the STT provider billed. */
  sttSeconds: z.number().nonnegative(),
  llmPromptTokens: z.number().int().nonnegative(),
  llmCompletionTokens: z.number().int().nonnegative(),
  /** Characters of reply text sent to TTS. */
  ttsCharacters: z.number().int().nonnegative(),
});
export type CallUsage = z.infer<typeof callUsageSchema>;

export const callRecordSchema = z.object({
  v: z.literal(CALL_RECORD_VERSION),
  callId: z.string().min(1),
  callSid: z.string(),
  streamSid: z.string(),
  accountSid: z.string(),
  /** Caller and dialled numbers (PII). */
  from: z.string(),
  to: z.string(),
  direction: z.enum(DIRECTIONS),
  agent: z.object({ id: z.string(), name: z.string() }),
  sampleRate: sampleRateSchema,
  startedAt: z.iso.datetime(),
  endedAt: z.iso.datetime(),
  durationMs: z.number().nonnegative(),
  /** Always set by current recorders (`error` when the end is unknown); null only in records of older ones. */
  endReason: z.enum(END_REASONS).nullable(),
  endDetail: z.string(),
  /** Derived from `endReason` ({@link hungUpByOf}). */
  hungUpBy: z.enum(HANGUP_PARTIES).nullable().default(null),
  status: z.enum(CALL_STATUSES),
  /** The language the caller spoke most (by utterances, from `speech.final.language`); null when unknown. */
  language: z.string().nullable().default(null),
  /** In timeline order. */
  transcript: z.array(transcriptLineSchema),
  /** In turn order. */
  turns: z.array(callTurnSchema),
  errors: z.array(callErrorSchema),
  /** Null when the call had no audio or the recording could not be stored. */
  recording: recordingInfoSchema.nullable(),
  usage: callUsageSchema,
  /** Caller audio frames the gateway could not deliver (`call.ended.lostFrames`), when it reports them. */
  lostFrames: z.number().int().nonnegative().nullable().default(null),
  /** Caller audio (ms) lost to a NATS outage longer than the gateway's hold (`call.ended.audioGapMs`); 0 when none. */
  audioGapMs: z.number().int().nonnegative().default(0),
  /** When the record, its transcript and its recording expire (`RETENTION_DAYS` after it was written). */
  expiresAt: z.iso.datetime().nullable().default(null),
});
export type CallRecord = z.infer<typeof callRecordSchema>;
export type CallRecordInput = z.input<typeof callRecordSchema>;
