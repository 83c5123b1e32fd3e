import { AudexlyError, ErrorCode } from '@audexly/protocol';
import { describe, expect, it } from 'vitest';
import type { LlmChunk } from '../llm.js';
import type { SttEvent } from '../stt.js';
import { FakeLlm } from './fake-llm.js';
import { FakeStt } from './fake-stt.js';
import { FakeTts } from './fake-tts.js';

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const i of items) out.push(i);
  return out;
}

describe('FakeStt', () => {
  it('answers each flush with the next scripted transcript and records the audio', async () => {
    const stt = new FakeStt({ transcripts: ['one', 'two'] });
    const session = await stt.openSession({ sampleRate: 8000, language: 'en-IN', model: 'fake' });
    session.push(Buffer.alloc(1600));
    session.flush();
    session.push(Buffer.alloc(800));
    session.flush();
    const events = session[Symbol.asyncIterator]();
    expect((await events.next()).value).toMatchObject({ type: 'final', text: 'one', audioSeconds: 0.1 });
    expect((await events.next()).value).toMatchObject({ type: 'final', text: 'two', audioSeconds: 0.05 });
    expect(stt.pushedBytes).toBe(2400);
    await session.close();
    expect(stt.sessions[0]!.closed).toBe(true);
  });

  it('fails the session when the script holds an error', async () => {
    const error = new AudexlyError(ErrorCode.sttUpstream, 'boom', { retryable: true });
    const session = await new FakeStt({ transcripts: [error] }).openSession({
      sampleRate: 8000,
      language: 'en-IN',
      model: 'fake',
    });
    session.flush();
    expect(await collect<SttEvent>(session)).toEqual([{ type: 'error', error }]);
  });
});

describe('FakeTts', () => {
  it('yields a tone whose length follows the text, and stops on abort', async () => {
    const session = await new FakeTts({ msPerChar: 50 }).openSession({
      sampleRate: 8000,
      language: 'en-IN',
      model: 'fake',
      speaker: 'x',
      pace: 1,
    });
    const audio = Buffer.concat(await collect(session.synthesize('twenty characters!!!')));
    expect(audio.byteLength).toBe(20 * 50 * 16);
    const turn = new AbortController();
    turn.abort();
    expect(await collect(session.synthesize('never', turn.signal))).toEqual([]);
  });
});

describe('FakeLlm', () => {
  it('streams a scripted reply in pieces, or a tool call', async () => {
    const llm = new FakeLlm({
      reply: (m) => (m.at(-1)?.content === 'bye' ? { toolCall: { name: 'end_call', arguments: '{}' } } : 'Hello there'),
    });
    const text = await collect<LlmChunk>(llm.stream({ model: 'fake', messages: [{ role: 'user', content: 'hi' }] }));
    expect(text.filter((c) => c.type === 'text').map((c) => (c.type === 'text' ? c.text : ''))).toEqual([
      'Hell',
      'o th',
      'ere',
    ]);
    expect(text.at(-1)).toMatchObject({ type: 'done', finishReason: 'stop' });
    const tool = await collect<LlmChunk>(llm.stream({ model: 'fake', messages: [{ role: 'user', content: 'bye' }] }));
    expect(tool[0]).toMatchObject({ type: 'tool-call', call: { name: 'end_call' } });
  });
});
