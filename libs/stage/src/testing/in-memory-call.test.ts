import { describe, expect, it } from 'vitest';
import { agentConfigSchema, AudioHeader, subjects, type CallDescriptor } from '@audexly/protocol';
import { InMemoryCall } from './in-memory-call.js';

function descriptor(): CallDescriptor {
  return {
    callId: 'tmemory',
    callSid: 'tmemory',
    streamSid: 's',
    accountSid: 'a',
    from: '',
    to: '',
    direction: 'inbound',
    sampleRate: 8000,
    customParameters: {},
    startedAt: Date.now(),
    agent: agentConfigSchema.parse({ id: 'a', name: 'A', prompt: 'p' }),
  };
}

async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of source) out.push(item);
  return out;
}

describe('in-memory call', () => {
  it('delivers an event only to subscriptions made before it was sent, in order, and ends them after what was sent when the call ends', async () => {
    const call = new InMemoryCall(descriptor(), { stage: 'llm' });
    call.send('speech', { type: 'speech.started', utterance: 1, speechStartMs: 0 });
    const speech = collect(call.events('speech'));
    call.send('speech', { type: 'speech.started', utterance: 2, speechStartMs: 10 });
    call.send('speech', { type: 'speech.stopped', utterance: 2, speechEndMs: 20 });
    await call.end();
    expect((await speech).map(({ event }) => `${event.type}:${event.utterance}`)).toEqual([
      'speech.started:2',
      'speech.stopped:2',
    ]);
    expect(call.signal.aborted).toBe(true);
    expect(await call.ended).toMatchObject({ type: 'call.ended', reason: 'caller-hangup', callId: 'tmemory' });
  });

  it('refuses an event its schema refuses, in and out, as the bus does', () => {
    const call = new InMemoryCall(descriptor(), { stage: 'llm' });
    expect(() => call.send('speech', { type: 'speech.started', utterance: -1, speechStartMs: 0 })).toThrow();
    expect(() => call.publish('reply', { type: 'reply.segment', turn: 0, segment: 0, text: 42 } as never)).toThrow();
    expect(call.published()).toEqual([]);
  });

  it('hands what the work publishes to the test and to the call’s own subscriptions, and keeps every event in the event log', async () => {
    const call = new InMemoryCall(descriptor(), {
      stage: 'tts',
      eventLog: [{ type: 'call.started', v: 1, callId: 'tmemory', timelineMs: 0, call: descriptor() }],
    });
    const control = collect(call.events('control'));
    call.send('reply', { type: 'reply.segment', turn: 1, segment: 0, text: 'Hello.' });
    call.publish('control', { type: 'control.hangup', reason: 'done', afterTurn: 1 });
    call.error('AUDEXLY_ERR_TTS_UPSTREAM', 'failed', { turn: 1, retryable: true });
    await call.end();
    expect((await control).map(({ event }) => event.type)).toEqual(['control.hangup']);
    expect(call.published('error')).toMatchObject([
      { stage: 'tts', code: 'AUDEXLY_ERR_TTS_UPSTREAM', turn: 1, retryable: true },
    ]);
    expect(call.published().map((p) => p.family)).toEqual(['control', 'error']);
    expect((await call.readEvents()).map((e) => e.type)).toEqual([
      'call.started',
      'reply.segment',
      'control.hangup',
      'error',
      'call.ended',
    ]);
  });

  it('waits for an event published later, or finds one published already', async () => {
    const call = new InMemoryCall(descriptor(), { stage: 'llm' });
    call.publish('reply', { type: 'reply.segment', turn: 0, segment: 0, text: 'Hi.' });
    const later = call.waitFor('reply', (e) => e.type === 'reply.done');
    expect(await call.waitFor('reply')).toMatchObject({ type: 'reply.segment', text: 'Hi.' });
    call.publish('reply', { type: 'reply.done', turn: 0, segments: 1, text: 'Hi.' });
    expect(await later).toMatchObject({ type: 'reply.done', turn: 0 });
  });

  it('carries audio with its headers both ways, and stamps the instance on what the work publishes', async () => {
    const call = new InMemoryCall(descriptor(), { stage: 'tts', instanceId: 'tts-1' });
    const incoming = collect(call.audio(subjects.audioIn('tmemory')));
    call.sendAudio(subjects.audioIn('tmemory'), new Uint8Array([1, 2, 3, 4]), { [AudioHeader.seq]: 7 });
    call.publishAudio(subjects.audioOut('tmemory'), new Uint8Array([5, 6]), {
      [AudioHeader.turn]: 2,
      [AudioHeader.last]: 1,
    });
    await call.end();
    const [received] = await incoming;
    expect([...received!.data]).toEqual([1, 2, 3, 4]);
    expect(received!.num(AudioHeader.seq)).toBe(7);
    expect(received!.num(AudioHeader.turn, -1)).toBe(-1);
    const [out] = call.publishedAudio(subjects.audioOut('tmemory'));
    expect(out!.header(AudioHeader.instance)).toBe('tts-1');
    expect(out!.num(AudioHeader.turn)).toBe(2);
  });

  it('when superseded, ends every subscription at once and publishes nothing more', async () => {
    const call = new InMemoryCall(descriptor(), { stage: 'llm' });
    const speech = collect(call.events('speech'));
    call.supersede();
    call.send('speech', { type: 'speech.started', utterance: 1, speechStartMs: 0 });
    call.publish('reply', { type: 'reply.segment', turn: 0, segment: 0, text: 'Hi.' });
    expect(await speech).toEqual([]);
    expect(call.published()).toEqual([]);
    expect(call.superseded).toBe(true);
    expect(await call.ended).toBeUndefined();
  });
});
