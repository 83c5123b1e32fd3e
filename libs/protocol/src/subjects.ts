/**
 * Every NATS subject Audexly uses, built in one place.
 *
 * Per-call subjects are `call.<callId>.<family>`; `<callId>` is a single NATS token derived from
 * Exotel's call_sid (see {@link toCallId}). Stage claim subjects are `svc.<stage>.claim`.
 */

/** The stages the gateway claims for every call. */
export const STAGES = ['stt', 'llm', 'tts', 'recorder'] as const;
export type Stage = (typeof STAGES)[number];

/** Text event families: JSON payloads validated by the schemas of the same name. */
export const EVENT_FAMILIES = ['lifecycle', 'speech', 'reply', 'playback', 'control', 'error'] as const;
export type EventFamily = (typeof EVENT_FAMILIES)[number];

const CALL_ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * Turns an Exotel call_sid (32 lowercase hex characters in production) into a call id that is one
 * NATS subject token. Anything outside `[A-Za-z0-9_-]` becomes `_`; an empty input is rejected.
 */
export function toCallId(callSid: string): string {
  const cleaned = callSid
    .trim()
    .replace(/[^A-Za-z0-9_-]/g, '_')
    .slice(0, 128);
  if (cleaned.length === 0) throw new TypeError('call_sid is empty');
  return cleaned;
}

export function isCallId(value: string): boolean {
  return CALL_ID_PATTERN.test(value);
}

function call(callId: string, suffix: string): string {
  if (!isCallId(callId)) throw new TypeError(`not a valid call id: ${JSON.stringify(callId)}`);
  return `call.${callId}.${suffix}`;
}

export const subjects = {
  /** Caller audio, PCM16LE mono at the call's rate; headers {@link AudioHeader}. gateway → stt, recorder */
  audioIn: (callId: string) => call(callId, 'audio.in'),
  /** Agent audio from TTS, PCM16LE mono at the call's rate. tts → gateway */
  audioOut: (callId: string) => call(callId, 'audio.out'),
  /** Agent audio exactly as the gateway sent it to Exotel (what the caller heard). gateway → recorder */
  audioSent: (callId: string) => call(callId, 'audio.sent'),
  lifecycle: (callId: string) => call(callId, 'lifecycle'),
  speech: (callId: string) => call(callId, 'speech'),
  reply: (callId: string) => call(callId, 'reply'),
  playback: (callId: string) => call(callId, 'playback'),
  control: (callId: string) => call(callId, 'control'),
  error: (callId: string) => call(callId, 'error'),
  /** Any text event family of a call. */
  event: (callId: string, family: EventFamily) => call(callId, family),
  /**
   * End-of-capture marker: a recorder publishes it (empty payload) after it has seen `call.ended`.
   * It lands in the audio capture stream after every chunk the gateway published before
   * `call.ended`, so reading the capture up to it reads the call's audio completely.
   */
  audioFence: (callId: string) => call(callId, 'audio.fence'),
  /** One call's audio subjects (`call.<id>.audio.*`): the filter of its part of the audio capture. */
  callAudio: (callId: string) => call(callId, 'audio.*'),
  /** Every text event of one call (`call.<id>.*` matches the families, not `audio.*`). */
  allEvents: (callId: string) => call(callId, '*'),
  /** One family's events of every call (`call.*.lifecycle`: what the api follows to list live calls). */
  everyCall: (family: EventFamily) => `call.*.${family}`,
  /** Claim requests for one stage; instances of the stage listen in a queue group named after it. */
  claim: (stage: Stage) => `svc.${stage}.claim`,
  /** Liveness and load of each instance of a stage ({@link StageHeartbeat}). */
  heartbeat: (stage: Stage) => `svc.${stage}.heartbeat`,
  /** Every stage's heartbeats. */
  allHeartbeats: () => 'svc.*.heartbeat',
  /**
   * Request/reply: "does a gateway still hold this call?" (`callStatusRequestSchema`). The gateway
   * holding the call answers from `start` until it has published `call.ended`; "no responders"
   * means no gateway holds it. Outside `call.<id>.*`, so the event log never keeps these.
   */
  gatewayCall: (callId: string) => {
    if (!isCallId(callId)) throw new TypeError(`not a valid call id: ${JSON.stringify(callId)}`);
    return `svc.gateway.call.${callId}`;
  },
} as const;

/**
 * Wildcards for stream configuration. Every three-token call subject is a text event family
 * (`call.<id>.<family>`), so the event log captures `call.*.*`, which also lets a consumer filter one
 * call with `call.<id>.*` on NATS 2.9. Subjects that must stay out of the log have four tokens or
 * more (`call.<id>.audio.in`).
 */
export const subjectPatterns = {
  events: 'call.*.*',
  audio: 'call.*.audio.*',
  /** What the audio capture stream keeps: caller audio, audio sent to Exotel, and capture fences. */
  capturedAudio: ['call.*.audio.in', 'call.*.audio.sent', 'call.*.audio.fence'],
} as const;

/** Reads `<callId>` and the family back out of a per-call subject. */
export function parseCallSubject(subject: string): { callId: string; family: string } | undefined {
  const parts = subject.split('.');
  if (parts[0] !== 'call' || parts.length < 3) return undefined;
  return { callId: parts[1]!, family: parts.slice(2).join('.') };
}
