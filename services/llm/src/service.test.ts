import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimStage, connectBus, type Bus } from '@audexly/bus';
import { AudexlyError, agentConfigSchema, ErrorCode, PROTOCOL_VERSION, type AgentConfigInput, type CallDescriptor, type ReplyEvent } from '@audexly/protocol';
import type { LlmChunk, LlmMessage, LlmProvider } from '@audexly/providers';
import { FakeLlm } from '@audexly/providers/testing';
import { createLogger } from '@audexly/telemetry';
import { startFakeOpenAI } from '@audexly/testing';
import { APOLOGY } from './conversation.js';
import { startLlmService } from './service.js';

const natsUrl = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const log = createLogger({ service: 'llm-test', level: 'silent' });
const env = { NATS_URL: natsUrl, METRICS_PORT: '0', LOG_LEVEL: 'silent' };
let bus: Bus;

beforeAll(async () => {
  bus = await connectBus({ servers: natsUrl, name: 'llm-test', log });
});
afterAll(async () => {
  await bus.drain();
});

function descriptor(agent: Partial<AgentConfigInput> = {}): CallDescriptor {
  const callId = `t${randomUUID().replace(/-/g, '')}`;
  return {
    callId, callSid: callId, streamSid: 's', accountSid: 'a', from: '+919800000001', to: '08030000000', direction: 'inbound', sampleRate: 8000,
    customParameters: { orderId: 'A-42' }, startedAt: Date.now(),
    agent: agentConfigSchema.parse({ id: 'a', name: 'A', prompt: 'You help {{caller}} who dialled {{dialled}}. Now: {{now}}.', greeting: 'Namaste! How can I help you today?', llm: { model: 'gpt-test', temperature: 0.2, maxTokens: 120 }, ...agent }),
  };
}

const base = (call: CallDescriptor) => ({ v: PROTOCOL_VERSION, callId: call.callId, timelineMs: 1 });

function speechFinal(call: CallDescriptor, utterance: number, text: string) {
  bus.publishEvent('speech', { ...base(call), type: 'speech.final', utterance, text, language: 'en-IN', speechStartMs: 0, speechEndMs: 1, providerMs: 1, audioSeconds: 1 });
}

/** Collects a subscription in the background; `until` waits for a matching event. */
class Collector<E> {
  readonly seen: E[] = [];
  private waiters: Array<() => void> = [];
  readonly done: Promise<void>;
  constructor(source: AsyncIterable<{ event: E }>) {
    this.done = (async () => {
      for await (const { event } of source) {
        this.seen.push(event);
        for (const w of this.waiters.splice(0)) w();
      }
    })();
  }
  async until(match: (e: E) => boolean): Promise<E[]> {
    while (!this.seen.some(match)) await new Promise<void>((resolve) => this.waiters.push(resolve));
    return this.seen;
  }
}

const doneOf = (turn: number) => (e: ReplyEvent) => e.type === 'reply.done' && e.turn === turn;

async function withCall(provider: LlmProvider | undefined, agent: Partial<AgentConfigInput>, extraEnv: Record<string, string>, body: (call: CallDescriptor, replies: Collector<ReplyEvent>) => Promise<void>) {
  const claimSubject = `test.llm.claim.${randomUUID()}`;
  const running = await startLlmService({ ...env, ...extraEnv }, log, { provider, claimSubject });
  const call = descriptor(agent);
  const subscription = bus.subscribeEvents(call.callId, 'reply');
  const replies = new Collector(subscription);
  try {
    await bus.flush();
    expect((await claimStage(bus, 'llm', call, { subject: claimSubject })).ok).toBe(true);
    await body(call, replies);
  } finally {
    subscription.unsubscribe();
    await replies.done;
    bus.publishEvent('lifecycle', { ...base(call), type: 'call.ended', reason: 'caller-hangup', durationMs: 1 });
    await running.stop();
  }
}

describe('llm service', () => {
  it('greets on call.started as turn 0 without asking the model', async () => {
    const fake = new FakeLlm();
    await withCall(fake, {}, {}, async (call, replies) => {
      bus.publishEvent('lifecycle', { ...base(call), type: 'call.started', call });
      const seen = await replies.until(doneOf(0));
      expect(seen).toMatchObject([
        { type: 'reply.segment', turn: 0, segment: 0, text: 'Namaste!' },
        { type: 'reply.segment', turn: 0, segment: 1, text: 'How can I help you today?' },
        { type: 'reply.done', turn: 0, segments: 2, text: 'Namaste! How can I help you today?', providerFirstTokenMs: null },
      ]);
      expect(fake.requests).toHaveLength(0);
    });
  });

  it('answers speech.final n with reply segments for turn n, and sends turn 1 to the model with turn 2', async () => {
    const fake = new FakeLlm({
      reply: (messages) => (messages.filter((m) => m.role === 'user').length === 1 ? 'Sure. Your order A-42 ships tomorrow morning. Anything else?' : 'You are welcome, goodbye!'),
    });
    await withCall(fake, {}, {}, async (call, replies) => {
      speechFinal(call, 1, 'Where is my order?');
      const turn1 = [...(await replies.until(doneOf(1)))];
      expect(turn1).toMatchObject([
        { type: 'reply.segment', turn: 1, segment: 0, text: 'Sure.' },
        { type: 'reply.segment', turn: 1, segment: 1, text: 'Your order A-42 ships tomorrow morning.' },
        { type: 'reply.segment', turn: 1, segment: 2, text: 'Anything else?' },
        { type: 'reply.done', turn: 1, segments: 3, text: 'Sure. Your order A-42 ships tomorrow morning. Anything else?' },
      ]);
      const done = turn1[3]!;
      expect(done.type === 'reply.done' && done.providerFirstTokenMs).toBeGreaterThanOrEqual(0);
      expect(done.type === 'reply.done' && done.usage?.completionTokens).toBeGreaterThan(0);

      speechFinal(call, 2, 'No, thanks.');
      await replies.until(doneOf(2));
      const request = fake.requests[1]!;
      expect(request).toMatchObject({ model: 'gpt-test', temperature: 0.2, maxTokens: 120 });
      const messages: LlmMessage[] = request.messages;
      expect(messages.map((m) => m.role)).toEqual(['system', 'assistant', 'user', 'assistant', 'user']);
      expect(messages.slice(1)).toEqual([
        { role: 'assistant', content: 'Namaste! How can I help you today?' },
        { role: 'user', content: 'Where is my order?' },
        { role: 'assistant', content: 'Sure. Your order A-42 ships tomorrow morning. Anything else?' },
        { role: 'user', content: 'No, thanks.' },
      ]);
      const system = messages[0]!.content as string;
      expect(system).toContain('You help +919800000001 who dialled 08030000000.');
      expect(system).toMatch(/Now: .+ IST\./);
      expect(system).toContain('- orderId: A-42');
    });
  });

  it('aborts a streaming turn when newer speech arrives, keeping what was said so far', async () => {
    const long = 'First sentence comes quickly. ' + 'Then a very long explanation follows that takes a while to stream out. '.repeat(20);
    const fake = new FakeLlm({ reply: (m) => (m.filter((x) => x.role === 'user').length === 1 ? long : 'Second answer.'), delayMs: 5 });
    await withCall(fake, {}, {}, async (call, replies) => {
      speechFinal(call, 1, 'Tell me everything.');
      await replies.until((e) => e.type === 'reply.segment');
      speechFinal(call, 2, 'Stop.');
      const seen = await replies.until(doneOf(2));
      const done1 = seen.find((e) => e.type === 'reply.done' && e.turn === 1);
      expect(done1).toBeDefined();
      expect(done1!.type === 'reply.done' && done1!.segments).toBeLessThan(5);
      expect(seen.filter((e) => e.turn === 1 && e.type === 'reply.segment').every((e) => seen.indexOf(e) < seen.indexOf(done1!))).toBe(true);
      const messages = fake.requests[1]!.messages;
      expect(messages.at(-2)).toMatchObject({ role: 'assistant', content: expect.stringMatching(/^First sentence comes quickly\./) });
      expect(messages.at(-1)).toEqual({ role: 'user', content: 'Stop.' });
    });
  });

  it('without OPENAI_API_KEY reports an llm error for the turn and speaks an apology', async () => {
    await withCall(undefined, {}, { OPENAI_API_KEY: '' }, async (call, replies) => {
      const errors = bus.subscribeEvents(call.callId, 'error');
      await bus.flush();
      speechFinal(call, 1, 'Hello?');
      const seen = await replies.until(doneOf(1));
      expect(seen).toMatchObject([
        { type: 'reply.segment', turn: 1, segment: 0, text: APOLOGY },
        { type: 'reply.done', turn: 1, segments: 1 },
      ]);
      for await (const { event } of errors) {
        expect(event).toMatchObject({ stage: 'llm', code: 'AUDEXLY_ERR_LLM_UPSTREAM', retryable: false, turn: 1 });
        break;
      }
      errors.unsubscribe();
    });
  });

  it('when the model fails mid-reply, reports the error for the turn and apologises after what was said', async () => {
    const failing: LlmProvider = {
      name: 'failing',
      async *stream(): AsyncIterable<LlmChunk> {
        await Promise.resolve();
        yield { type: 'text', text: 'Let me check that for you. One' };
        throw new AudexlyError(ErrorCode.llmUpstream, 'OpenAI request failed: 500', { retryable: true });
      },
    };
    await withCall(failing, {}, {}, async (call, replies) => {
      const errors = bus.subscribeEvents(call.callId, 'error');
      await bus.flush();
      speechFinal(call, 1, 'Check my order.');
      const seen = await replies.until(doneOf(1));
      expect(seen).toMatchObject([
        { type: 'reply.segment', turn: 1, segment: 0, text: 'Let me check that for you.' },
        { type: 'reply.segment', turn: 1, segment: 1, text: APOLOGY },
        { type: 'reply.done', turn: 1, segments: 2 },
      ]);
      for await (const { event } of errors) {
        expect(event).toMatchObject({ stage: 'llm', code: 'AUDEXLY_ERR_LLM_UPSTREAM', retryable: true, turn: 1 });
        break;
      }
      errors.unsubscribe();
    });
  });

  it('streams a reply from an OpenAI-compatible server configured by OPENAI_API_KEY and OPENAI_BASE_URL', async () => {
    const openai = await startFakeOpenAI({ reply: () => 'Your balance is 3.5 lakh rupees. Anything else?' });
    try {
      await withCall(undefined, {}, { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: openai.url }, async (call, replies) => {
        speechFinal(call, 1, 'What is my balance?');
        const seen = await replies.until(doneOf(1));
        expect(seen).toMatchObject([
          { type: 'reply.segment', turn: 1, segment: 0, text: 'Your balance is 3.5 lakh rupees.' },
          { type: 'reply.segment', turn: 1, segment: 1, text: 'Anything else?' },
          { type: 'reply.done', turn: 1, segments: 2 },
        ]);
        expect(openai.requests[0]?.body).toMatchObject({ model: 'gpt-test', stream: true, temperature: 0.2 });
      });
    } finally {
      await openai.close();
    }
  });
});
