import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { LlmMessage } from '@audexly/providers';
import { FakeLlm } from '@audexly/providers/testing';
import { callTraceId } from '@audexly/telemetry';
import { captureSpans } from '@audexly/telemetry/testing';
import { withCall } from './test/harness.js';

const last = (messages: LlmMessage[]) => messages.at(-1);

describe('llm tools', () => {
  it('offers end_call; when the model calls it, says the goodbye phrase and then asks for a hang-up after that turn', async () => {
    const fake = new FakeLlm({
      reply: () => ({ toolCall: { name: 'end_call', arguments: '{"reason":"caller said bye"}' } }),
    });
    await withCall(fake, { phrases: { goodbye: 'Dhanyavaad, alvida!' } }, {}, async (t) => {
      t.speech(1, 'Bye, that is all.');
      expect(await t.doneOf(1)).toMatchObject([
        { type: 'reply.segment', turn: 1, segment: 0, text: 'Dhanyavaad, alvida!' },
        { type: 'reply.done', turn: 1, segments: 1 },
      ]);
      await t.control.until((e) => e.type === 'control.hangup');
      expect(t.control.seen).toMatchObject([{ type: 'control.hangup', reason: 'caller said bye', afterTurn: 1 }]);
      const doneAt = t.replies.seen.find((e) => e.type === 'reply.done')!.timelineMs;
      expect(t.control.seen[0]!.timelineMs).toBeGreaterThanOrEqual(doneAt);
      expect(fake.requests[0]!.tools?.map((tool) => tool.name)).toEqual(['end_call']);
      // The call is ending: later speech starts no turn.
      t.speech(2, 'Hello?');
    });
    // The call has ended and the stage has handled everything sent before.
    expect(fake.requests).toHaveLength(1);
  });

  it('speaks the model’s own words instead of the goodbye phrase when it said something before end_call', async () => {
    // A model that talks first, then calls the tool (FakeLlm cannot do both): scripted by hand.
    const provider = {
      name: 'scripted',
      async *stream() {
        await Promise.resolve();
        yield { type: 'text' as const, text: 'Have a lovely day!' };
        yield { type: 'tool-call' as const, call: { id: 'call_1', name: 'end_call', arguments: '{}' } };
        yield { type: 'done' as const, finishReason: 'tool_calls', usage: null };
      },
    };
    await withCall(provider, {}, {}, async (t) => {
      t.speech(1, 'Thanks, bye.');
      expect(await t.doneOf(1)).toMatchObject([
        { type: 'reply.segment', segment: 0, text: 'Have a lovely day!' },
        { type: 'reply.done', segments: 1 },
      ]);
      await t.control.until((e) => e.type === 'control.hangup');
      expect(t.control.seen[0]).toMatchObject({ type: 'control.hangup', afterTurn: 1 });
    });
  });

  it('offers transfer_call with the agent’s number; a call says the handover line and asks for a transfer after it', async () => {
    const fake = new FakeLlm({
      reply: () => ({ toolCall: { name: 'transfer_call', arguments: '{"reason":"wants a human"}' } }),
    });
    await withCall(fake, { tools: { transferNumber: '+919812345678' } }, {}, async (t) => {
      t.speech(1, 'Let me talk to a person.');
      expect(await t.doneOf(1)).toMatchObject([
        { type: 'reply.segment', turn: 1, segment: 0, text: 'Please hold while I transfer your call.' },
        { type: 'reply.done', turn: 1, segments: 1 },
      ]);
      await t.control.until((e) => e.type === 'control.transfer');
      expect(t.control.seen).toMatchObject([
        { type: 'control.transfer', to: '+919812345678', reason: 'wants a human', afterTurn: 1 },
      ]);
      expect(fake.requests[0]!.tools?.map((tool) => tool.name)).toEqual(['end_call', 'transfer_call']);
    });
  });

  it('calls a webhook tool with the model’s arguments and feeds its JSON answer back, then speaks the model’s answer in the same turn', async () => {
    const received: Array<{ body: unknown; headers: IncomingMessage['headers'] }> = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push({ body: JSON.parse(body), headers: req.headers });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status: 'shipped', eta: 'Friday' }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/orders`;
    const fake = new FakeLlm({
      reply: (messages) => {
        const m = last(messages);
        if (m?.role === 'tool')
          return `Your order is ${(JSON.parse(m.content) as { status: string }).status}. It arrives on Friday.`;
        return { toolCall: { name: 'order_status', arguments: '{"orderId":"A-42"}' } };
      },
    });
    const webhook = {
      name: 'order_status',
      description: 'Look up an order',
      url,
      parameters: { type: 'object', properties: { orderId: { type: 'string' } }, required: ['orderId'] },
      headers: { 'x-api-key': 'k1' },
    };
    try {
      await withCall(fake, { tools: { webhooks: [webhook] } }, {}, async (t) => {
        t.speech(1, 'Where is order A-42?');
        expect(await t.doneOf(1)).toMatchObject([
          { type: 'reply.segment', turn: 1, segment: 0, text: 'Your order is shipped.' },
          { type: 'reply.segment', turn: 1, segment: 1, text: 'It arrives on Friday.' },
          { type: 'reply.done', turn: 1, segments: 2 },
        ]);
        expect(received).toMatchObject([
          { body: { orderId: 'A-42' }, headers: { 'x-api-key': 'k1', 'content-type': 'application/json' } },
        ]);
        expect(fake.requests[0]!.tools).toContainEqual({
          name: 'order_status',
          description: 'Look up an order',
          parameters: webhook.parameters,
        });
        const second = fake.requests[1]!.messages;
        expect(second.slice(-3)).toEqual([
          { role: 'user', content: 'Where is order A-42?' },
          {
            role: 'assistant',
            content: null,
            toolCalls: [{ id: expect.any(String), name: 'order_status', arguments: '{"orderId":"A-42"}' }],
          },
          { role: 'tool', toolCallId: expect.any(String), content: '{"status":"shipped","eta":"Friday"}' },
        ]);
      });
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it("with tracing on, times the webhook as a tool.webhook span beneath the turn's llm.turn, in the call's trace", async () => {
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'shipped' }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/orders`;
    const fake = new FakeLlm({
      reply: (messages) =>
        last(messages)?.role === 'tool' ? 'It is shipped.' : { toolCall: { name: 'order_status', arguments: '{}' } },
    });
    const capture = captureSpans();
    try {
      let callId = '';
      await withCall(
        fake,
        { tools: { webhooks: [{ name: 'order_status', description: 'Look up an order', url }] } },
        {},
        async (t) => {
          callId = t.call.callId;
          t.speech(1, 'Where is my order?');
          await t.doneOf(1);
        },
      );
      const spans = capture.spans();
      const webhook = spans.find((s) => s.name === 'tool.webhook');
      const turn = spans.find((s) => s.name === 'llm.turn');
      expect(webhook).toMatchObject({
        traceId: callTraceId(callId),
        attributes: { 'gen_ai.tool.name': 'order_status' },
      });
      expect(webhook?.parentSpanId).toBe(turn?.spanId);
      expect(turn?.traceId).toBe(callTraceId(callId));
    } finally {
      capture.stop();
      await new Promise((r) => server.close(r));
    }
  });

  it('tells the model when its tool arguments are invalid JSON or miss a required field, and never calls the webhook then', async () => {
    let hits = 0;
    const server = createServer((_req, res) => {
      hits++;
      res.end('{}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const fake = new FakeLlm({
      reply: (messages) => {
        const tools = messages.filter((m) => m.role === 'tool');
        if (tools.length === 0) return { toolCall: { name: 'order_status', arguments: '{"orderId": A-42' } };
        if (tools.length === 1) return { toolCall: { name: 'order_status', arguments: '{"order":"A-42"}' } };
        return 'Sorry, I could not look that up.';
      },
    });
    const webhook = {
      name: 'order_status',
      description: 'Look up an order',
      url,
      parameters: { type: 'object', properties: { orderId: { type: 'string' } }, required: ['orderId'] },
    };
    try {
      await withCall(fake, { tools: { webhooks: [webhook] } }, {}, async (t) => {
        t.speech(1, 'Where is my order?');
        await t.doneOf(1);
        const results = fake.requests[2]!.messages.filter((m) => m.role === 'tool').map(
          (m) => JSON.parse(m.content) as { error: string },
        );
        expect(results[0]!.error).toMatch(/not valid JSON/);
        expect(results[1]!.error).toMatch(/orderId/);
        expect(hits).toBe(0);
      });
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('gives a webhook that does not answer in time an error result the model can talk about', async () => {
    const server = createServer(() => undefined); // never answers
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const fake = new FakeLlm({
      reply: (m) =>
        last(m)?.role === 'tool' ? 'The system is slow right now.' : { toolCall: { name: 'slow', arguments: '{}' } },
    });
    try {
      await withCall(
        fake,
        { tools: { webhooks: [{ name: 'slow', description: 'slow', url, timeoutMs: 200 }] } },
        {},
        async (t) => {
          t.speech(1, 'Check it.');
          expect(await t.doneOf(1)).toMatchObject([
            { type: 'reply.segment', text: 'The system is slow right now.' },
            { type: 'reply.done' },
          ]);
          expect(JSON.parse(fake.requests[1]!.messages.at(-1)!.content as string)).toEqual({
            error: 'the tool did not answer within 200 ms',
          });
        },
      );
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it('answers a tool call cut off by the caller with a cancelled result, so the next turn’s history stays valid', async () => {
    let hit: () => void = () => undefined;
    const reached = new Promise<void>((r) => (hit = r));
    const server = createServer(() => hit()); // never answers
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const fake = new FakeLlm({
      reply: (m) =>
        last(m)?.content === 'Hello, are you there?'
          ? 'Yes, I am here.'
          : { toolCall: { name: 'slow', arguments: '{}' } },
    });
    try {
      await withCall(
        fake,
        { tools: { webhooks: [{ name: 'slow', description: 'slow', url, timeoutMs: 10_000 }] } },
        {},
        async (t) => {
          t.speech(1, 'Where is my order?');
          await reached;
          t.speech(2, 'Hello, are you there?');
          expect(await t.doneOf(2)).toMatchObject([
            { type: 'reply.segment', text: 'Yes, I am here.' },
            { type: 'reply.done' },
          ]);
          const messages = fake.requests.at(-1)!.messages;
          const call = messages.findIndex((m) => 'toolCalls' in m && m.toolCalls.length > 0);
          const asked = messages[call] as Extract<LlmMessage, { toolCalls: unknown }>;
          expect(messages[call + 1]).toMatchObject({ role: 'tool', toolCallId: asked.toolCalls[0]!.id });
          expect(JSON.parse(messages[call + 1]!.content as string)).toEqual({
            error: 'cancelled: the caller spoke before the tool finished',
          });
          expect(last(messages)).toEqual({ role: 'user', content: 'Hello, are you there?' });
        },
      );
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});

describe('DTMF', () => {
  it('gives the keyed digits to the model as caller input and answers them', async () => {
    const fake = new FakeLlm({
      reply: (m) =>
        last(m)?.content === '[DTMF] 1234#' ? 'Thank you, I found booking 1234.' : 'Please key in your booking number.',
    });
    await withCall(fake, {}, {}, async (t) => {
      t.speech(1, 'I want to check my booking.');
      await t.doneOf(1);
      t.dtmf('1234', 'terminator');
      await t.doneOf(1, 2);
      expect(last(fake.requests[1]!.messages)).toEqual({ role: 'user', content: '[DTMF] 1234#' });
      const turn1 = t.replies.seen.filter((e) => e.type === 'reply.segment' && e.turn === 1);
      // The answer continues turn 1 with new segment numbers (turn 2 stays free for utterance 2).
      expect(turn1).toMatchObject([
        { segment: 0, text: 'Please key in your booking number.' },
        { segment: 1, text: 'Thank you, I found booking 1234.' },
      ]);
      t.speech(2, 'Great.');
      await t.doneOf(2);
      expect(fake.requests[2]!.messages.slice(-4)).toEqual([
        { role: 'assistant', content: 'Please key in your booking number.' },
        { role: 'user', content: '[DTMF] 1234#' },
        { role: 'assistant', content: 'Thank you, I found booking 1234.' },
        { role: 'user', content: 'Great.' },
      ]);
    });
  });
});
