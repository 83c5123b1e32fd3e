import { describe, expect, it } from 'vitest';
import {
  agentConfigSchema,
  callRecordSchema,
  ErrorCode,
  type AnyEvent,
  type CallDescriptor,
  type CallEnded,
} from '@audexly/protocol';
import { buildCallRecord } from './call-record.js';

const callId = 'c1';
const call: CallDescriptor = {
  callId,
  callSid: 'sid',
  streamSid: 'st',
  accountSid: 'ac',
  from: '+91',
  to: '+80',
  direction: 'inbound',
  sampleRate: 8000,
  customParameters: {},
  startedAt: Date.UTC(2025, 0, 1),
  agent: agentConfigSchema.parse({ id: 'a', name: 'A', prompt: 'p' }),
};
const v = 1 as const;

/** A greeting (turn 0), then a turn the caller interrupts after hearing its first segment. */
const events: AnyEvent[] = [
  { v, callId, type: 'reply.segment', timelineMs: 50, turn: 0, segment: 0, text: 'Hello!' },
  {
    v,
    callId,
    type: 'reply.done',
    timelineMs: 60,
    turn: 0,
    segments: 1,
    text: 'Hello!',
    providerFirstTokenMs: null,
    usage: null,
  },
  { v, callId, type: 'playback.started', timelineMs: 300, turn: 0, firstAudioInMs: 250 },
  { v, callId, type: 'playback.segment-played', timelineMs: 1200, turn: 0, segment: 0, audioMs: 800 },
  {
    v,
    callId,
    type: 'speech.final',
    timelineMs: 3000,
    utterance: 1,
    text: 'What are your hours?',
    language: 'en-IN',
    speechStartMs: 1500,
    speechEndMs: 2500,
    providerMs: 400,
    audioSeconds: 1,
  },
  { v, callId, type: 'reply.segment', timelineMs: 3400, turn: 1, segment: 0, text: 'We open at nine.' },
  { v, callId, type: 'reply.segment', timelineMs: 3500, turn: 1, segment: 1, text: 'We close at six.' },
  {
    v,
    callId,
    type: 'reply.done',
    timelineMs: 3600,
    turn: 1,
    segments: 2,
    text: 'We open at nine. We close at six.',
    providerFirstTokenMs: 200,
    usage: { promptTokens: 10, completionTokens: 8 },
  },
  {
    v,
    callId,
    type: 'error',
    timelineMs: 3650,
    stage: 'tts',
    code: ErrorCode.ttsUpstream,
    message: 'slow',
    retryable: true,
    turn: 1,
  },
  { v, callId, type: 'playback.started', timelineMs: 3800, turn: 1, firstAudioInMs: 3700 },
  { v, callId, type: 'playback.interrupted', timelineMs: 5000, turn: 1, heardSegments: [0] },
  {
    v,
    callId,
    type: 'speech.final',
    timelineMs: 6000,
    utterance: 2,
    text: '',
    language: null,
    speechStartMs: 5800,
    speechEndMs: 5900,
    providerMs: 100,
    audioSeconds: 0.1,
  },
  { v, callId, type: 'call.ended', timelineMs: 7000, reason: 'error', detail: 'boom', durationMs: 7000 },
];

describe('who hung up and the language', () => {
  const base = { call, events: [], recording: null };
  const end = (reason: CallEnded['reason'], extra: object = {}): CallEnded => ({
    v,
    callId,
    type: 'call.ended',
    timelineMs: 1,
    reason,
    detail: '',
    durationMs: 1,
    ...extra,
  });
  it('derives who hung up from the end reason', () => {
    const who = (reason: CallEnded['reason']) => buildCallRecord({ ...base, ended: end(reason) }).hungUpBy;
    expect([
      who('caller-hangup'),
      who('agent-hangup'),
      who('transfer'),
      who('stopped'),
      who('socket-closed'),
      who('no-capacity'),
      who('error'),
      who('shutdown'),
    ]).toEqual(['caller', 'agent', 'agent', 'system', 'system', 'system', 'system', 'system']);
  });

  it('never leaves the end open: without any call.ended the call failed, with reason error and a detail', () => {
    const record = buildCallRecord({ ...base, ended: undefined });
    expect(record).toMatchObject({ endReason: 'error', status: 'failed', hungUpBy: 'system' });
    expect(record.endDetail).not.toBe('');
    expect(callRecordSchema.parse(record)).toEqual(record);
  });

  it("takes the gateway's call.ended from the log over one the stage runtime made up", () => {
    const logged = end('caller-hangup', { durationMs: 900 });
    const madeUp = end('error', {
      detail: 'no gateway holds this call any more; the stage ended it',
      durationMs: 60_000,
    });
    expect(buildCallRecord({ ...base, events: [logged], ended: madeUp })).toMatchObject({
      endReason: 'caller-hangup',
      status: 'completed',
      durationMs: 900,
    });
    expect(buildCallRecord({ ...base, ended: madeUp })).toMatchObject({
      endReason: 'error',
      status: 'failed',
      endDetail: madeUp.detail,
    });
  });

  it('takes the language most utterances were in, and lost frames when the gateway reports them', () => {
    const final = (utterance: number, language: string | null): AnyEvent => ({
      v,
      callId,
      type: 'speech.final',
      timelineMs: utterance * 1000,
      utterance,
      text: 'x',
      language,
      speechStartMs: 0,
      speechEndMs: 1,
      providerMs: 1,
      audioSeconds: 1,
    });
    const record = buildCallRecord({
      ...base,
      ended: end('caller-hangup', { lostFrames: 3 }),
      events: [final(1, 'en-IN'), final(2, 'hi-IN'), final(3, 'hi-IN'), final(4, null)],
    });
    expect(record.language).toBe('hi-IN');
    expect(record.turns.map((t) => t.language)).toEqual(['en-IN', 'hi-IN', 'hi-IN', null]);
    expect(record.lostFrames).toBe(3);
  });
});

describe('call record', () => {
  const record = buildCallRecord({
    call,
    ended: undefined,
    events,
    recording: null,
    ownErrors: [
      {
        stage: 'recorder',
        code: ErrorCode.storage,
        message: 'could not store the recording',
        turn: null,
        timelineMs: 7100,
      },
    ],
  });

  it('is valid by the protocol schema and takes the end from the event log', () => {
    expect(callRecordSchema.parse(record)).toEqual(record);
    expect(record).toMatchObject({
      endReason: 'error',
      endDetail: 'boom',
      durationMs: 7000,
      status: 'failed',
      endedAt: '2025-01-01T00:00:07.000Z',
    });
    expect(record).toMatchObject({ hungUpBy: 'system', language: 'en-IN', lostFrames: null, expiresAt: null });
  });

  it('keeps in the transcript only the agent segments the caller heard before interrupting, and skips empty utterances', () => {
    expect(record.transcript).toEqual([
      { role: 'agent', text: 'Hello!', timelineMs: 300, turn: 0, interrupted: false },
      { role: 'caller', text: 'What are your hours?', timelineMs: 1500, turn: 1, interrupted: false },
      { role: 'agent', text: 'We open at nine.', timelineMs: 3800, turn: 1, interrupted: true },
    ]);
  });

  it('computes latencies per turn and leaves what the greeting cannot have as null', () => {
    expect(record.turns.map((t) => [t.turn, t.latency])).toEqual([
      [0, { sttMs: null, llmMs: null, ttsMs: 200, voiceToVoiceMs: null }],
      [1, { sttMs: 500, llmMs: 400, ttsMs: 300, voiceToVoiceMs: 1300 }],
    ]);
    expect(record.turns[1]).toMatchObject({
      callerText: 'What are your hours?',
      agentText: 'We open at nine.',
      interrupted: true,
    });
  });

  it("lists errors from the log and the recorder's own, and sums usage", () => {
    expect(record.errors.map((e) => [e.stage, e.code, e.turn])).toEqual([
      ['tts', ErrorCode.ttsUpstream, 1],
      ['recorder', ErrorCode.storage, null],
    ]);
    expect(record.usage).toEqual({
      sttSeconds: 1.1,
      llmPromptTokens: 10,
      llmCompletionTokens: 8,
      ttsCharacters: 6 + 16 + 16,
    });
  });
});

describe('a turn spoken in several model runs', () => {
  it('takes the latest reply.done of the turn for its text and usage, not the sum of all', () => {
    const runs: AnyEvent[] = [
      {
        v,
        callId,
        type: 'speech.final',
        timelineMs: 1000,
        utterance: 1,
        text: 'Book a table',
        language: 'en-IN',
        speechStartMs: 100,
        speechEndMs: 900,
        providerMs: 50,
        audioSeconds: 1,
      },
      { v, callId, type: 'reply.segment', timelineMs: 1200, turn: 1, segment: 0, text: 'Let me check.' },
      {
        v,
        callId,
        type: 'reply.done',
        timelineMs: 1300,
        turn: 1,
        segments: 1,
        text: 'Let me check.',
        providerFirstTokenMs: 100,
        usage: { promptTokens: 10, completionTokens: 3 },
      },
      { v, callId, type: 'reply.segment', timelineMs: 2200, turn: 1, segment: 1, text: 'You are booked for eight.' },
      {
        v,
        callId,
        type: 'reply.done',
        timelineMs: 2300,
        turn: 1,
        segments: 2,
        text: 'Let me check. You are booked for eight.',
        providerFirstTokenMs: 100,
        usage: { promptTokens: 25, completionTokens: 11 },
      },
      { v, callId, type: 'call.ended', timelineMs: 4000, reason: 'caller-hangup', detail: '', durationMs: 4000 },
    ];
    const record = buildCallRecord({ call, events: runs, ended: runs.at(-1) as CallEnded, recording: null });
    expect(record.turns.find((t) => t.turn === 1)?.agentText).toBe('Let me check. You are booked for eight.');
    expect(record.usage).toMatchObject({ llmPromptTokens: 25, llmCompletionTokens: 11 });
  });
});
