import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION, type AnyEvent } from '@audexly/protocol';
import { callSpanId, callTraceId, turnSpanId } from '@audexly/telemetry';
import { captureSpans, type SpanCapture } from '@audexly/telemetry/testing';
import { CallSpans } from './call-spans.js';

const CALL = 'c0ffee0000000000000000000000beef';
const T0 = 1_700_000_000_000;
let capture: SpanCapture;

beforeAll(() => {
  capture = captureSpans();
});
afterAll(() => capture.stop());

function ev(type: string, timelineMs: number, fields: Record<string, unknown> = {}): AnyEvent {
  return { type, v: PROTOCOL_VERSION, callId: CALL, timelineMs, ...fields } as AnyEvent;
}

describe("the gateway's spans of a call", () => {
  it('emits the call span and a turn span per turn with the derived ids, timed by the call events', () => {
    const spans = new CallSpans(CALL, T0, 'stream-1');
    spans.agentChosen('agent-1', 'hi-IN', 'inbound');
    // Greeting: heard in full once its one segment's mark came back.
    spans.event(ev('reply.done', 300, { turn: 0, segments: 1, text: '' }));
    spans.event(ev('playback.started', 500, { turn: 0, firstAudioInMs: 450 }));
    spans.event(ev('playback.segment-played', 3000, { turn: 0, segment: 0, audioMs: 2500 }));
    // Turn 1: the caller speaks 4.0–6.0 s, the answer starts at 7.0 s, the caller cuts in at 8.5 s.
    spans.event(ev('speech.started', 4100, { utterance: 1, speechStartMs: 4000 }));
    spans.event(ev('speech.stopped', 6100, { utterance: 1, speechEndMs: 6000 }));
    spans.event(ev('reply.done', 6800, { turn: 1, segments: 2, text: '' }));
    spans.event(ev('playback.started', 7000, { turn: 1, firstAudioInMs: 6900, ttsProviderMs: 120 }));
    spans.event(ev('playback.segment-played', 8000, { turn: 1, segment: 0, audioMs: 1000 }));
    // Published by the gateway and received back: one event on the span.
    spans.event(ev('control.interrupt', 8500, { turn: 1, reason: 'barge-in' }));
    spans.event(ev('control.interrupt', 8502, { turn: 1, reason: 'barge-in' }));
    spans.event(ev('playback.interrupted', 8510, { turn: 1, heardSegments: [0] }));
    // A late mark of the interrupted turn makes no second span.
    spans.event(ev('playback.segment-played', 8600, { turn: 1, segment: 1, audioMs: 100 }));
    // Utterance 2 was a cough: its turn ends with it.
    spans.event(ev('speech.started', 8400, { utterance: 2, speechStartMs: 8300 }));
    spans.event(ev('speech.noise', 9000, { utterance: 2, speechStartMs: 8300, speechEndMs: 8800, audioSeconds: 0.5 }));
    spans.end('hangup', T0 + 10_000);

    const all = capture.spans();
    expect(new Set(all.map((s) => s.traceId))).toEqual(new Set([callTraceId(CALL)]));
    const call = all.find((s) => s.name === 'call')!;
    expect(call).toMatchObject({ spanId: callSpanId(CALL), parentSpanId: '', startMs: T0, endMs: T0 + 10_000 });
    expect(call.attributes).toMatchObject({
      'audexly.stream_sid': 'stream-1',
      'audexly.agent_id': 'agent-1',
      'audexly.end_reason': 'hangup',
    });

    const turns = all.filter((s) => s.name === 'turn');
    expect(turns.map((t) => t.attributes['audexly.turn'])).toEqual([0, 1, 2]);
    const [greeting, answer, noise] = turns;
    expect(greeting).toMatchObject({ spanId: turnSpanId(CALL, 0), parentSpanId: callSpanId(CALL), startMs: T0 });
    expect(greeting!.endMs).toBe(T0 + 3000);
    expect(greeting!.attributes['audexly.turn.outcome']).toBe('heard');
    expect(answer).toMatchObject({ spanId: turnSpanId(CALL, 1), startMs: T0 + 4000, endMs: T0 + 8510 });
    expect(answer!.attributes).toMatchObject({
      'audexly.turn.outcome': 'interrupted',
      'audexly.voice_to_voice_ms': 1000,
      'audexly.segments_heard': 1,
      'audexly.agent_id': 'agent-1',
      language: 'hi-IN',
    });
    expect(answer!.events.map((e) => [e.name, e.atMs])).toEqual([['interrupt', T0 + 8500]]);
    expect(noise).toMatchObject({ spanId: turnSpanId(CALL, 2), startMs: T0 + 8300, endMs: T0 + 9000 });
    expect(noise!.attributes['audexly.turn.outcome']).toBe('noise');

    const playback = all.filter((s) => s.name === 'playback');
    expect(playback.map((p) => p.parentSpanId)).toEqual([turnSpanId(CALL, 0), turnSpanId(CALL, 1)]);
    expect(playback[1]).toMatchObject({ startMs: T0 + 7000, endMs: T0 + 8510 });
    expect(playback[1]!.attributes).toMatchObject({
      'audexly.interrupted': true,
      'audexly.first_audio_wait_ms': 100,
      'audexly.tts.provider_ms': 120,
    });
  });
});
