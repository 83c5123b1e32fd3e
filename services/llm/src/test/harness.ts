import { randomUUID } from 'node:crypto';
import {
  agentConfigSchema,
  type AgentConfigInput,
  type AnyEvent,
  type CallDescriptor,
  type EventFamily,
  type FamilyEvent,
} from '@audexly/protocol';
import type { LlmProvider } from '@audexly/providers';
import type { CallPortHandler } from '@audexly/stage';
import { InMemoryCall } from '@audexly/stage/testing';
import { createLogger } from '@audexly/telemetry';
import { createLlmHandler } from '../call-handler.js';
import { loadLlmConfig } from '../config.js';
import { llmProviderFromConfig } from '../llm-provider.js';

export const log = createLogger({
  service: 'llm-test',
  level: process.env.TEST_LOG_LEVEL === 'debug' ? 'debug' : 'silent',
});

export function descriptor(agent: Partial<AgentConfigInput> = {}, call: Partial<CallDescriptor> = {}): CallDescriptor {
  const callId = `t${randomUUID().replace(/-/g, '')}`;
  return {
    callId,
    callSid: callId,
    streamSid: 's',
    accountSid: 'a',
    from: '+919800000001',
    to: '08030000000',
    direction: 'inbound',
    sampleRate: 8000,
    customParameters: { orderId: 'A-42' },
    startedAt: Date.now(),
    agent: agentConfigSchema.parse({
      id: 'a',
      name: 'A',
      prompt: 'You help {{caller}} who dialled {{dialled}}. Now: {{now}}.',
      greeting: 'Namaste! How can I help you today?',
      llm: { model: 'gpt-test', temperature: 0.2, maxTokens: 120 },
      ...agent,
    }),
    ...call,
  };
}

/** What the LLM published of one family so far, and a way to wait for more. */
export class Published<F extends EventFamily> {
  constructor(
    private readonly port: InMemoryCall,
    private readonly family: F,
  ) {}

  get seen(): FamilyEvent<F>[] {
    return this.port.published(this.family);
  }

  async until(match: (e: FamilyEvent<F>) => boolean): Promise<FamilyEvent<F>[]> {
    await this.port.waitFor(this.family, match);
    return this.seen;
  }
}

/** The test side of one call: sends what the gateway and STT would, reads what the LLM publishes. */
export class TestCall {
  readonly port: InMemoryCall;
  readonly replies: Published<'reply'>;
  readonly control: Published<'control'>;
  readonly errors: Published<'error'>;

  constructor(
    readonly call: CallDescriptor,
    options: { reclaimed?: boolean; eventLog?: readonly AnyEvent[] } = {},
  ) {
    this.port = new InMemoryCall(call, { stage: 'llm', log, ...options });
    this.replies = new Published(this.port, 'reply');
    this.control = new Published(this.port, 'control');
    this.errors = new Published(this.port, 'error');
  }

  started(): void {
    this.port.send('lifecycle', { type: 'call.started', call: this.call });
  }

  speech(utterance: number, text: string): void {
    this.port.send('speech', { type: 'speech.started', utterance, speechStartMs: 0 });
    this.port.send('speech', {
      type: 'speech.final',
      utterance,
      text,
      language: 'en-IN',
      speechStartMs: 0,
      speechEndMs: 1,
      providerMs: 1,
      audioSeconds: 1,
    });
  }

  /** Playback confirms every segment of `turn` up to `through`. */
  played(turn: number, through: number): void {
    for (let segment = 0; segment <= through; segment++)
      this.port.send('playback', { type: 'playback.segment-played', turn, segment, audioMs: 100 });
  }

  /** Barge-in as the gateway reports it. */
  bargeIn(turn: number, heardSegments: number[]): void {
    this.port.send('control', { type: 'control.interrupt', turn, reason: 'barge-in' });
    this.port.send('playback', { type: 'playback.interrupted', turn, heardSegments });
  }

  dtmf(digits: string, reason: 'terminator' | 'timeout' | 'max'): void {
    this.port.send('control', { type: 'control.dtmf-input', digits, reason });
  }

  /** The events of `turn` once it has `count` `reply.done`s. */
  async doneOf(turn: number, count = 1): Promise<FamilyEvent<'reply'>[]> {
    await this.port.until(
      () => this.replies.seen.filter((e) => e.type === 'reply.done' && e.turn === turn).length >= count,
    );
    return this.replies.seen.filter((e) => e.turn === turn);
  }
}

/** The LLM stage's work per call, built as the service builds it from its environment (with a short retry pause). */
export function llmHandler(provider: LlmProvider | undefined, env: Record<string, string> = {}): CallPortHandler {
  const config = loadLlmConfig({ LOG_LEVEL: 'silent', LLM_RETRY_DELAY_MS: '20', ...env });
  return createLlmHandler({
    llm: provider ? { provider } : llmProviderFromConfig(config, log),
    idleTimeoutMs: config.LLM_IDLE_TIMEOUT_MS,
    minSegmentChars: config.LLM_MIN_SEGMENT_CHARS,
    retryDelayMs: config.LLM_RETRY_DELAY_MS,
    maxToolRounds: config.LLM_MAX_TOOL_ROUNDS,
    recoveryMinAgeMs: config.LLM_RECOVERY_MIN_AGE_MS,
  });
}

/** Runs `handler` on the call while `body` plays the rest of it; then the call ends and the work finishes. */
export async function runCall(
  handler: CallPortHandler,
  t: TestCall,
  body: (t: TestCall) => Promise<void>,
): Promise<void> {
  const work = handler(t.port);
  try {
    await body(t);
  } finally {
    await t.port.end();
    await work;
  }
}

/** One call on the LLM stage, in memory: the agent's overrides, the service's environment, the call's. */
export async function withCall(
  provider: LlmProvider | undefined,
  agent: Partial<AgentConfigInput>,
  env: Record<string, string>,
  body: (t: TestCall) => Promise<void>,
  call: Partial<CallDescriptor> = {},
): Promise<void> {
  await runCall(llmHandler(provider, env), new TestCall(descriptor(agent, call)), body);
}
