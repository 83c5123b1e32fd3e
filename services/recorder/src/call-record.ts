import {
  CALL_RECORD_VERSION,
  hungUpByOf,
  type AnyEvent,
  type CallDescriptor,
  type CallEnded,
  type CallError,
  type CallRecord,
  type CallTurn,
  type PlaybackInterrupted,
  type PlaybackStarted,
  type RecordingInfo,
  type ReplyDone,
  type ReplySegment,
  type SpeechFinal,
  type TranscriptLine,
} from '@audexly/protocol';

export { callRecordSchema, type CallRecord } from '@audexly/protocol';

export interface CallRecordInput {
  call: CallDescriptor;
  /** `call.ended` as the recorder saw it (the gateway's, or the stage runtime's when no gateway holds the call any more). */
  ended: CallEnded | undefined;
  /** The call's events from the event log, in publication order. */
  events: readonly AnyEvent[];
  recording: RecordingInfo | null;
  /** The recorder's own failures while finishing the call (they may not be in the log yet). */
  ownErrors?: readonly CallError[];
  /** When the record expires (retention); null when it does not. */
  expiresAt?: Date | null;
}

/** What the events say about one turn. */
interface TurnFacts {
  final?: SpeechFinal;
  segments: Map<number, ReplySegment>;
  done?: ReplyDone;
  started?: PlaybackStarted;
  played: Set<number>;
  interrupted?: PlaybackInterrupted;
}

/** The end of a call whose `call.ended` is nowhere to be found: never left open in a record. */
const UNKNOWN_END = { reason: 'error', detail: 'the recorder never learned how the call ended' } as const;

/**
 * Builds the call record from the call's descriptor and its event log: the transcript (what the
 * caller said, what the agent said — only what was heard when playback reports it), per-turn
 * timestamps and latencies, errors, and usage. A record always ends with a real status and reason:
 * without any `call.ended` (not expected: the stage runtime gives the recorder one whenever the
 * call ends on its side) the call counts as failed, reason `error`.
 */
export function buildCallRecord(input: CallRecordInput): CallRecord {
  const { call, events } = input;
  // The gateway's end is authoritative: the logged call.ended wins over one the stage runtime made up.
  const ended = events.find((e): e is CallEnded => e.type === 'call.ended') ?? input.ended;
  const turns = collectTurns(events);
  const durationMs = ended?.durationMs ?? events.reduce((latest, e) => Math.max(latest, e.timelineMs), 0);
  const endReason = ended?.reason ?? UNKNOWN_END.reason;
  return {
    v: CALL_RECORD_VERSION,
    callId: call.callId,
    callSid: call.callSid,
    streamSid: call.streamSid,
    accountSid: call.accountSid,
    from: call.from,
    to: call.to,
    direction: call.direction,
    agent: { id: call.agent.id, name: call.agent.name },
    sampleRate: call.sampleRate,
    startedAt: new Date(call.startedAt).toISOString(),
    endedAt: new Date(call.startedAt + durationMs).toISOString(),
    durationMs,
    endReason,
    endDetail: ended ? ended.detail : UNKNOWN_END.detail,
    hungUpBy: hungUpByOf(endReason),
    status: endReason === 'error' || endReason === 'no-capacity' ? 'failed' : 'completed',
    transcript: transcriptOf(turns),
    turns: [...turns.entries()].sort(([a], [b]) => a - b).map(([turn, facts]) => turnOf(turn, facts)),
    errors: errorsOf(events, input.ownErrors ?? []),
    recording: input.recording,
    usage: usageOf(events, turns),
    language: languageOf(events),
    lostFrames: lostFramesOf(ended),
    audioGapMs: ended?.audioGapMs ?? 0,
    expiresAt: input.expiresAt ? input.expiresAt.toISOString() : null,
  };
}

/** The language of most utterances (the latest wins a tie), from `speech.final.language`. */
function languageOf(events: readonly AnyEvent[]): string | null {
  const counts = new Map<string, number>();
  for (const e of events) {
    if (e.type !== 'speech.final' || !e.language || e.text.trim() === '') continue;
    const n = (counts.get(e.language) ?? 0) + 1;
    counts.delete(e.language); // re-insert: the latest of equal counts comes last
    counts.set(e.language, n);
  }
  let best: string | null = null;
  let most = 0;
  for (const [language, n] of counts) if (n >= most) [best, most] = [language, n];
  return best;
}

/** `call.ended.lostFrames`; null when the gateway does not report it (older gateways). */
function lostFramesOf(ended: CallEnded | undefined): number | null {
  return ended?.lostFrames ?? null;
}

function collectTurns(events: readonly AnyEvent[]): Map<number, TurnFacts> {
  const turns = new Map<number, TurnFacts>();
  const facts = (turn: number): TurnFacts => {
    let f = turns.get(turn);
    if (!f) turns.set(turn, (f = { segments: new Map(), played: new Set() }));
    return f;
  };
  for (const e of events) {
    switch (e.type) {
      case 'speech.final':
        if (e.text.trim() !== '') facts(e.utterance).final ??= e;
        break;
      case 'reply.segment':
        if (!facts(e.turn).segments.has(e.segment)) facts(e.turn).segments.set(e.segment, e);
        break;
      case 'reply.done':
        // A turn can take several model runs (tool rounds, a goodbye); each reply.done carries the
        // turn's totals so far, so the latest one is the turn's.
        facts(e.turn).done = e;
        break;
      case 'playback.started':
        facts(e.turn).started ??= e;
        break;
      case 'playback.segment-played':
        facts(e.turn).played.add(e.segment);
        break;
      case 'playback.interrupted':
        facts(e.turn).interrupted ??= e;
        break;
      default:
        break;
    }
  }
  return turns;
}

/**
 * What the agent said in a turn. When playback says which segments were heard (an interruption,
 * or the call ending before every segment's mark came back), only those; otherwise the whole reply.
 */
function agentTextOf(f: TurnFacts): string | null {
  const heard = new Set([...f.played, ...(f.interrupted?.heardSegments ?? [])]);
  const total = f.done?.segments ?? f.segments.size;
  const partial = f.interrupted !== undefined || (heard.size > 0 && heard.size < total);
  if (partial) return joinSegments(f.segments, (s) => heard.has(s));
  if (f.done) return f.done.text;
  return f.segments.size > 0 ? joinSegments(f.segments, () => true) : null;
}

function joinSegments(segments: Map<number, ReplySegment>, keep: (segment: number) => boolean): string {
  return [...segments.values()]
    .filter((s) => keep(s.segment))
    .sort((a, b) => a.segment - b.segment)
    .map((s) => s.text.trim())
    .join(' ');
}

function firstSegment(f: TurnFacts): ReplySegment | undefined {
  let first: ReplySegment | undefined;
  for (const s of f.segments.values()) if (!first || s.timelineMs < first.timelineMs) first = s;
  return first;
}

function transcriptOf(turns: Map<number, TurnFacts>): TranscriptLine[] {
  const lines: TranscriptLine[] = [];
  for (const [turn, f] of turns) {
    if (f.final)
      lines.push({ role: 'caller', text: f.final.text, timelineMs: f.final.speechStartMs, turn, interrupted: false });
    const text = agentTextOf(f);
    const at = f.started?.timelineMs ?? firstSegment(f)?.timelineMs ?? f.done?.timelineMs;
    if (text && at !== undefined)
      lines.push({ role: 'agent', text, timelineMs: at, turn, interrupted: f.interrupted !== undefined });
  }
  const roleOrder = (l: TranscriptLine) => (l.role === 'caller' ? 0 : 1);
  return lines.sort((a, b) => a.timelineMs - b.timelineMs || a.turn - b.turn || roleOrder(a) - roleOrder(b));
}

function turnOf(turn: number, f: TurnFacts): CallTurn {
  const speechEndMs = f.final?.speechEndMs ?? null;
  const transcriptMs = f.final?.timelineMs ?? null;
  const firstReplyMs = firstSegment(f)?.timelineMs ?? null;
  const firstAudioInMs = f.started?.firstAudioInMs ?? null;
  const firstAudioSentMs = f.started?.timelineMs ?? null;
  return {
    turn,
    callerText: f.final?.text ?? null,
    speechStartMs: f.final?.speechStartMs ?? null,
    language: f.final?.language ?? null,
    agentText: agentTextOf(f),
    speechEndMs,
    transcriptMs,
    firstReplyMs,
    firstAudioInMs,
    firstAudioSentMs,
    interrupted: f.interrupted !== undefined,
    latency: {
      sttMs: between(speechEndMs, transcriptMs),
      llmMs: between(transcriptMs, firstReplyMs),
      ttsMs: between(firstReplyMs, firstAudioInMs),
      voiceToVoiceMs: between(speechEndMs, firstAudioSentMs),
    },
  };
}

function between(from: number | null, to: number | null): number | null {
  return from === null || to === null ? null : to - from;
}

function errorsOf(events: readonly AnyEvent[], own: readonly CallError[]): CallError[] {
  const logged: CallError[] = [];
  for (const e of events) {
    if (e.type === 'error')
      logged.push({ stage: e.stage, code: e.code, message: e.message, turn: e.turn, timelineMs: e.timelineMs });
  }
  const same = (a: CallError, b: CallError) => a.stage === b.stage && a.code === b.code && a.message === b.message;
  return [...logged, ...own.filter((o) => !logged.some((l) => same(l, o)))];
}

function usageOf(events: readonly AnyEvent[], turns: Map<number, TurnFacts>): CallRecord['usage'] {
  const usage = { sttSeconds: 0, llmPromptTokens: 0, llmCompletionTokens: 0, ttsCharacters: 0 };
  for (const e of events) if (e.type === 'speech.final') usage.sttSeconds += e.audioSeconds;
  for (const f of turns.values()) {
    usage.llmPromptTokens += f.done?.usage?.promptTokens ?? 0;
    usage.llmCompletionTokens += f.done?.usage?.completionTokens ?? 0;
    for (const s of f.segments.values()) usage.ttsCharacters += s.text.length;
  }
  return usage;
}
