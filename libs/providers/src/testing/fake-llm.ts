import type { LlmChunk, LlmMessage, LlmProvider, LlmRequest } from '../llm.js';

/** What the fake model answers: text, or one tool call. */
export type FakeLlmReply = string | { toolCall: { name: string; arguments: string } };

/** Scripted LLM for unit tests. */
export interface FakeLlmOptions {
  /** The reply to a history; default echoes the last user message. */
  reply?: (messages: LlmMessage[]) => FakeLlmReply;
  /** Characters per streamed text piece; default 4. */
  pieceChars?: number;
  /** Pause before each piece; default 0. */
  delayMs?: number;
}

/** An LLM provider that streams scripted replies in small pieces and records requests. */
export class FakeLlm implements LlmProvider {
  readonly name = 'fake';
  readonly requests: LlmRequest[] = [];
  private calls = 0;

  constructor(private readonly options: FakeLlmOptions = {}) {}

  async *stream(request: LlmRequest): AsyncIterable<LlmChunk> {
    this.requests.push(request);
    const reply = (this.options.reply ?? echoLastUser)(request.messages);
    const wait = async (): Promise<boolean> => {
      if (this.options.delayMs) await new Promise((r) => setTimeout(r, this.options.delayMs));
      return request.signal?.aborted !== true;
    };
    if (typeof reply !== 'string') {
      if (!(await wait())) return;
      yield { type: 'tool-call', call: { id: `call_fake_${++this.calls}`, ...reply.toolCall } };
      yield { type: 'done', finishReason: 'tool_calls', usage: null };
      return;
    }
    const size = this.options.pieceChars ?? 4;
    for (let i = 0; i < reply.length; i += size) {
      if (!(await wait())) return;
      yield { type: 'text', text: reply.slice(i, i + size) };
    }
    yield {
      type: 'done',
      finishReason: 'stop',
      usage: { promptTokens: 0, completionTokens: Math.ceil(reply.length / 4) },
    };
  }
}

function echoLastUser(messages: LlmMessage[]): string {
  const last = [...messages].reverse().find((m) => m.role === 'user');
  return `You said: ${last?.content ?? ''}`;
}
