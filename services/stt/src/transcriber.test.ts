import { describe, expect, it } from 'vitest';
import { agentConfigSchema, type CallDescriptor } from '@audexly/protocol';
import type { SttEvent, SttSession } from '@audexly/providers';
import { InMemoryCall } from '@audexly/stage/testing';
import { createSttMetrics } from './stt-metrics.js';
import { Transcriber } from './transcriber.js';

/** A session the test speaks for: it records flushes, and `say` delivers a provider event. */
class ScriptedSession implements SttSession {
  flushes = 0;
  private readonly queued: SttEvent[] = [];
  private wake: (() => void) | null = null;
  private closed = false;

  push(): void {}
  flush(): void {
    this.flushes++;
  }
  close(): Promise<void> {
    this.closed = true;
    this.wake?.();
    return Promise.resolve();
  }
  say(event: SttEvent): void {
    this.queued.push(event);
    this.wake?.();
  }
  async *[Symbol.asyncIterator](): AsyncIterator<SttEvent> {
    for (;;) {
      const next = this.queued.shift();
      if (next) yield next;
      else if (this.closed) return;
      else await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }
}

const final = (text: string): SttEvent => ({
  type: 'final',
  text,
  language: 'en-IN',
  audioSeconds: 1,
  providerMs: 150,
});
const partial = (text: string): SttEvent => ({ type: 'partial', text });

function setup(interimTranscripts: boolean) {
  const session = new ScriptedSession();
  const call: CallDescriptor = {
    callId: 'c1',
    callSid: 'c1',
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
  const port = new InMemoryCall(call, { stage: 'stt' });
  const provider = { name: 'scripted', interimTranscripts, openSession: () => Promise.resolve(session) };
  const transcriber = new Transcriber(port, { provider }, createSttMetrics());
  const heard: string[] = [];
  /** Lets the transcriber read what the session said. */
  const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
  const finals = () => port.published('speech').filter((e) => e.type === 'speech.final');
  return { session, transcriber, heard, port, settle, finals };
}

describe('Transcriber with interim transcripts', () => {
  it('a pause hears the latest interim transcript at once and each newer one, with no flush; the end flushes once', async () => {
    const { session, transcriber, heard, port, settle, finals } = setup(true);
    await transcriber.begin(1);
    session.say(partial('please cancel'));
    await settle();
    transcriber.probe(1, (text) => heard.push(text));
    expect(heard).toEqual(['please cancel']);
    session.say(partial('please cancel my booking'));
    session.say(partial('please cancel my booking'));
    await settle();
    expect(heard).toEqual(['please cancel', 'please cancel my booking']);
    expect(session.flushes).toBe(0);
    // The turn ends in that pause: the provider is asked for the whole utterance, one piece.
    transcriber.end({ utterance: 1, speechStartMs: 0, speechEndMs: 1000 }, true);
    expect(session.flushes).toBe(1);
    session.say(final('Please cancel my booking.'));
    await port.until(() => finals().length === 1);
    expect(finals()).toMatchObject([{ utterance: 1, text: 'Please cancel my booking.' }]);
  });

  it('after the caller speaks on, the old pause hears nothing more', async () => {
    const { session, transcriber, heard, settle } = setup(true);
    await transcriber.begin(1);
    transcriber.probe(1, (text) => heard.push(text));
    session.say(partial('my number is'));
    await settle();
    transcriber.resumed();
    session.say(partial('my number is nine eight'));
    await settle();
    expect(heard).toEqual(['my number is']);
  });

  it('the next pause after the caller spoke on waits for an interim transcript newer than the one before', async () => {
    const { session, transcriber, settle } = setup(true);
    await transcriber.begin(1);
    transcriber.probe(1, () => undefined);
    session.say(partial('my number is'));
    await settle();
    transcriber.resumed();
    const next: string[] = [];
    transcriber.probe(1, (text) => next.push(text));
    // The stale one sent again says nothing of the words since.
    session.say(partial('my number is'));
    await settle();
    expect(next).toEqual([]);
    session.say(partial('my number is nine eight'));
    await settle();
    expect(next).toEqual(['my number is nine eight']);
  });

  it('an interim transcript while an earlier utterance’s final is pending is of that audio, not this pause’s', async () => {
    const { session, transcriber, heard, settle, port, finals } = setup(true);
    await transcriber.begin(1);
    transcriber.end({ utterance: 1, speechStartMs: 0, speechEndMs: 500 });
    await transcriber.begin(2);
    transcriber.probe(2, (text) => heard.push(text));
    session.say(partial('hello'));
    await settle();
    expect(heard).toEqual([]);
    session.say(final('hello'));
    session.say(partial('there'));
    await port.until(() => finals().length === 1);
    await settle();
    expect(heard).toEqual(['there']);
  });

  it('without interim transcripts, a pause flushes and hears the answer; the turn ending there is not flushed again', async () => {
    const { session, transcriber, heard, port, settle, finals } = setup(false);
    await transcriber.begin(1);
    transcriber.probe(1, (text) => heard.push(text));
    expect(session.flushes).toBe(1);
    session.say(final('go forward'));
    await settle();
    expect(heard).toEqual(['go forward']);
    transcriber.end({ utterance: 1, speechStartMs: 0, speechEndMs: 1000 }, true);
    await port.until(() => finals().length === 1);
    expect(session.flushes).toBe(1);
    expect(finals()).toMatchObject([{ utterance: 1, text: 'go forward' }]);
  });

  it('without interim transcripts, a turn that ends after a probe with sound since (a word’s soft end) flushes that too', async () => {
    const { session, transcriber, port, settle, finals } = setup(false);
    await transcriber.begin(1);
    transcriber.probe(1, () => undefined);
    session.say(final('go forward ten'));
    await settle();
    // 100 ms at about -40 dBFS after the probe: the end of "meters", released early by the VAD.
    const tail = Buffer.alloc(1600);
    for (let i = 0; i < 800; i++) tail.writeInt16LE(i % 2 === 0 ? 330 : -330, i * 2);
    transcriber.push(tail);
    transcriber.end({ utterance: 1, speechStartMs: 0, speechEndMs: 1000 }, true);
    expect(session.flushes).toBe(2);
    session.say(final('meters'));
    await port.until(() => finals().length === 1);
    expect(finals()).toMatchObject([{ utterance: 1, text: 'go forward ten meters' }]);
  });
});
