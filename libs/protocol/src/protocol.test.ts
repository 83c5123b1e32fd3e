import { describe, expect, it } from 'vitest';
import {
  agentConfigSchema,
  callDescriptorSchema,
  claimReplySchema,
  controlEventSchema,
  familyOf,
  familySchemas,
  isRetryableStatus,
  lifecycleEventSchema,
  parseCallSubject,
  playbackEventSchema,
  PROTOCOL_VERSION,
  replyEventSchema,
  speechEventSchema,
  subjects,
  toCallId,
  EVENT_FAMILIES,
} from './index.js';

describe('subjects', () => {
  it('builds one subject per family under the call id', () => {
    expect(subjects.audioIn('abc')).toBe('call.abc.audio.in');
    expect(subjects.audioOut('abc')).toBe('call.abc.audio.out');
    expect(subjects.audioSent('abc')).toBe('call.abc.audio.sent');
    expect(subjects.speech('abc')).toBe('call.abc.speech');
    expect(subjects.claim('stt')).toBe('svc.stt.claim');
    expect(subjects.allEvents('abc')).toBe('call.abc.*');
    // Asked of the gateway, outside the event log's `call.*.*`.
    expect(subjects.gatewayCall('abc')).toBe('svc.gateway.call.abc');
    expect(() => subjects.gatewayCall('a.b')).toThrow(/not a valid call id/);
  });

  it('refuses a call id that would break the subject', () => {
    expect(() => subjects.speech('a.b')).toThrow(/not a valid call id/);
    expect(() => subjects.speech('*')).toThrow();
    expect(() => subjects.speech('')).toThrow();
  });

  it('derives a single-token call id from an Exotel call_sid', () => {
    expect(toCallId('37ad7a2adfda919720942210af293270')).toBe('37ad7a2adfda919720942210af293270');
    expect(toCallId(' a.b*c>d ')).toBe('a_b_c_d');
    expect(() => toCallId('   ')).toThrow();
  });

  it('reads the call id and family back out of a subject', () => {
    expect(parseCallSubject('call.abc.audio.in')).toEqual({ callId: 'abc', family: 'audio.in' });
    expect(parseCallSubject('svc.stt.claim')).toBeUndefined();
  });

  it('maps every event type to its family', () => {
    expect(familyOf('call.started')).toBe('lifecycle');
    expect(familyOf('speech.final')).toBe('speech');
    expect(familyOf('control.dtmf')).toBe('control');
    expect(familyOf('error')).toBe('error');
    expect(familyOf('teleport')).toBeUndefined();
    expect(Object.keys(familySchemas).sort()).toEqual([...EVENT_FAMILIES].sort());
  });
});

describe('schemas', () => {
  const base = { v: PROTOCOL_VERSION, callId: 'c1', timelineMs: 10 };

  it('fills agent defaults the product guide uses', () => {
    const agent = agentConfigSchema.parse({ id: 'a', name: 'Reception', prompt: 'Be kind.' });
    expect(agent.stt.model).toBe('saarika:v2.5');
    expect(agent.tts).toMatchObject({ model: 'bulbul:v2', speaker: 'anushka' });
    expect(agent.llm.model).toBe('gpt-4o-mini');
    expect(agent.turn.endOfTurnSilenceMs).toBe(500);
  });

  it('accepts only the sample rates Exotel streams', () => {
    const call = {
      callId: 'c',
      callSid: 'c',
      streamSid: 's',
      startedAt: 0,
      agent: { id: 'a', name: 'n', prompt: 'p' },
    };
    expect(callDescriptorSchema.parse({ ...call, sampleRate: 16000 }).sampleRate).toBe(16000);
    expect(callDescriptorSchema.safeParse({ ...call, sampleRate: 44100 }).success).toBe(false);
  });

  it('tells event types apart and rejects unknown ones and wrong versions', () => {
    expect(
      speechEventSchema.parse({
        ...base,
        type: 'speech.final',
        utterance: 1,
        text: 'hi',
        speechStartMs: 0,
        speechEndMs: 5,
        providerMs: 1,
        audioSeconds: 0.5,
      }),
    ).toMatchObject({ language: null });
    expect(speechEventSchema.safeParse({ ...base, type: 'speech.teleport' }).success).toBe(false);
    expect(
      replyEventSchema.safeParse({ ...base, v: 2, type: 'reply.segment', turn: 0, segment: 0, text: 'x' }).success,
    ).toBe(false);
  });

  it('carries the TTS provider time on playback.started, optional for older gateways', () => {
    expect(
      playbackEventSchema.parse({ ...base, type: 'playback.started', turn: 1, firstAudioInMs: 10 }),
    ).not.toHaveProperty('ttsProviderMs');
    expect(
      playbackEventSchema.parse({ ...base, type: 'playback.started', turn: 1, firstAudioInMs: 10, ttsProviderMs: 212 }),
    ).toMatchObject({ ttsProviderMs: 212 });
    expect(
      playbackEventSchema.safeParse({
        ...base,
        type: 'playback.started',
        turn: 1,
        firstAudioInMs: 10,
        ttsProviderMs: -1,
      }).success,
    ).toBe(false);
  });

  it('rejects a DTMF digit Exotel cannot send', () => {
    expect(controlEventSchema.safeParse({ ...base, type: 'control.dtmf', digit: '5' }).success).toBe(true);
    expect(controlEventSchema.safeParse({ ...base, type: 'control.dtmf', digit: 'A' }).success).toBe(false);
  });

  it('carries collected DTMF input with why the collection ended', () => {
    expect(
      controlEventSchema.parse({ ...base, type: 'control.dtmf-input', digits: '1234', reason: 'terminator' }),
    ).toMatchObject({ digits: '1234', reason: 'terminator' });
    expect(
      controlEventSchema.safeParse({ ...base, type: 'control.dtmf-input', digits: '12A', reason: 'timeout' }).success,
    ).toBe(false);
    expect(
      controlEventSchema.safeParse({ ...base, type: 'control.dtmf-input', digits: '1', reason: 'bored' }).success,
    ).toBe(false);
  });

  it('carries frame-loss counts on call.ended, optional for older publishers', () => {
    expect(
      lifecycleEventSchema.parse({ ...base, type: 'call.ended', reason: 'stopped', durationMs: 5 }),
    ).not.toHaveProperty('lostFrames');
    expect(
      lifecycleEventSchema.parse({
        ...base,
        type: 'call.ended',
        reason: 'stopped',
        durationMs: 5,
        lostFrames: 3,
        reorderedFrames: 1,
      }),
    ).toMatchObject({ lostFrames: 3, reorderedFrames: 1 });
    expect(
      lifecycleEventSchema.safeParse({ ...base, type: 'call.ended', reason: 'stopped', durationMs: 5, lostFrames: -1 })
        .success,
    ).toBe(false);
    expect(
      lifecycleEventSchema.parse({
        ...base,
        type: 'call.ended',
        reason: 'stopped',
        durationMs: 5,
        sequenceAnomalies: 2,
      }),
    ).toMatchObject({ sequenceAnomalies: 2 });
  });

  it('carries a stage instance giving a live call up, with why', () => {
    expect(
      controlEventSchema.parse({ ...base, type: 'control.released', stage: 'llm', instanceId: 'llm-1' }),
    ).toMatchObject({ stage: 'llm', instanceId: 'llm-1', reason: 'drain-deadline' });
    expect(familyOf('control.released')).toBe('control');
    expect(
      controlEventSchema.safeParse({ ...base, type: 'control.released', stage: 'gateway', instanceId: 'g' }).success,
    ).toBe(false);
    expect(
      controlEventSchema.safeParse({ ...base, type: 'control.released', stage: 'llm', instanceId: '' }).success,
    ).toBe(false);
  });

  it('parses both claim replies', () => {
    expect(
      claimReplySchema.parse({ type: 'claim.accepted', v: 1, stage: 'stt', callId: 'c', instanceId: 'i' }).type,
    ).toBe('claim.accepted');
    expect(
      claimReplySchema.parse({
        type: 'claim.declined',
        v: 1,
        stage: 'tts',
        callId: 'c',
        instanceId: 'i',
        reason: 'full',
      }).type,
    ).toBe('claim.declined');
  });

  it('retries 5xx, 408 and 429 only', () => {
    expect([500, 503, 408, 429, undefined].every(isRetryableStatus)).toBe(true);
    expect([400, 401, 403, 404, 422].some(isRetryableStatus)).toBe(false);
  });
});

describe('phone numbers', () => {
  it('normalises what Exotel sends to E.164', async () => {
    const { toE164, numberKey } = await import('./numbers.js');
    expect(toE164('+919876543210')).toBe('+919876543210');
    expect(toE164('09876543210')).toBe('+919876543210');
    expect(toE164('9876543210')).toBe('+919876543210');
    expect(toE164('08047491899')).toBe('+918047491899');
    expect(toE164('080 4749 1899')).toBe('+918047491899');
    expect(toE164('0091 98765 43210')).toBe('+919876543210');
    expect(toE164('+1 (415) 555-0100')).toBe('+14155550100');
    expect(toE164('not a number')).toBeUndefined();
    expect(numberKey('+918047491899')).toBe('918047491899');
  });
});
