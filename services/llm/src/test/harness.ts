import { randomUUID } from 'node:crypto';
import { claimStage, connectBus, type Bus } from '@audexly/bus';
import { agentConfigSchema, PROTOCOL_VERSION, type AgentConfigInput, type CallDescriptor, type EventFamily, type FamilyEvent } from '@audexly/protocol';
import type { LlmProvider } from '@audexly/providers';
import type { RunningStage } from '@audexly/stage';
import { createLogger } from '@audexly/telemetry';
import { startLlmService } from '../service.js';

export const natsUrl = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
export const log = createLogger({ service: 'llm-test', level: process.env.TEST_LOG_LEVEL === 'debug' ? 'debug' : 'silent' });
const baseEnv = { NATS_URL: natsUrl, METRICS_PORT: '0', LOG_LEVEL: 'silent' };

export function connectTestBus(): Promise<Bus> {
  return connectBus({ servers: natsUrl, name: 'llm-test', log });
}

export function descriptor(agent: Partial<AgentConfigInput> = {}, call: Partial<CallDescriptor> = {}): CallDescriptor {
  const callId = `t${randomUUID().replace(/-/g, '')}`;
  return {
    callId, callSid: callId, streamSid: 's', accountSid: 'a', from: '+919800000001', to: '08030000000', direction: 'inbound', sampleRate: 8000,
    customParameters: { orderId: 'A-42' }, startedAt: Date.now(),
    agent: agentConfigSchema.parse({ id: 'a', name: 'A', prompt: 'You help {{caller}} who dialled {{dialled}}. Now: {{now}}.', greeting: 'Namaste! How can I help you today?', llm: { model: 'gpt-test', temperature: 0.2, maxTokens: 120 }, ...agent }),
    ...call,
  };
}

export const base = (call: CallDescriptor) => ({ v: PROTOCOL_VERSION, callId: call.callId, timelineMs: Date.now() - call.startedAt });

/** Collects a subscription in the background; `until` waits for a matching event. */
export class Collector<E> {
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

/** The test side of one call: publishes what the gateway and STT would, collects what the LLM publishes. */
export class TestCall {
  readonly replies: Collector<FamilyEvent<'reply'>>;
  readonly control: Collector<FamilyEvent<'control'>>;
  readonly errors: Collector<FamilyEvent<'error'>>;
  private readonly subs: Array<{ unsubscribe(): void }> = [];
  private readonly collectors: Array<Collector<unknown>> = [];

  constructor(
    readonly bus: Bus,
    readonly call: CallDescriptor,
  ) {
    this.replies = this.collect('reply');
    this.control = this.collect('control');
    this.errors = this.collect('error');
  }

  private collect<F extends EventFamily>(family: F): Collector<FamilyEvent<F>> {
    const sub = this.bus.subscribeEvents(this.call.callId, family);
    this.subs.push(sub);
    const c = new Collector(sub);
    this.collectors.push(c);
    return c;
  }

  started(): void {
    this.bus.publishEvent('lifecycle', { ...base(this.call), type: 'call.started', call: this.call });
  }

  speech(utterance: number, text: string): void {
    this.bus.publishEvent('speech', { ...base(this.call), type: 'speech.started', utterance, speechStartMs: 0 });
    this.bus.publishEvent('speech', { ...base(this.call), type: 'speech.final', utterance, text, language: 'en-IN', speechStartMs: 0, speechEndMs: 1, providerMs: 1, audioSeconds: 1 });
  }

  /** Playback confirms every segment of `turn` up to `through`. */
  played(turn: number, through: number): void {
    for (let segment = 0; segment <= through; segment++) this.bus.publishEvent('playback', { ...base(this.call), type: 'playback.segment-played', turn, segment, audioMs: 100 });
  }

  /** Barge-in as the gateway reports it. */
  bargeIn(turn: number, heardSegments: number[]): void {
    this.bus.publishEvent('control', { ...base(this.call), type: 'control.interrupt', turn, reason: 'barge-in' });
    this.bus.publishEvent('playback', { ...base(this.call), type: 'playback.interrupted', turn, heardSegments });
  }

  dtmf(digits: string, reason: 'terminator' | 'timeout' | 'max'): void {
    this.bus.publishEvent('control', { ...base(this.call), type: 'control.dtmf-input', digits, reason });
  }

  async doneOf(turn: number, count = 1): Promise<FamilyEvent<'reply'>[]> {
    await this.replies.until(() => this.replies.seen.filter((e) => e.type === 'reply.done' && e.turn === turn).length >= count);
    return this.replies.seen.filter((e) => e.turn === turn);
  }

  ended(): void {
    this.bus.publishEvent('lifecycle', { ...base(this.call), type: 'call.ended', reason: 'caller-hangup', durationMs: 1 });
  }

  async close(): Promise<void> {
    for (const s of this.subs) s.unsubscribe();
    await Promise.all(this.collectors.map((c) => c.done));
  }
}

/** Starts an LLM service on a private claim subject. */
export async function startTestLlm(provider: LlmProvider | undefined, extraEnv: Record<string, string> = {}, claimSubject = `test.llm.claim.${randomUUID()}`): Promise<{ running: RunningStage; claimSubject: string }> {
  const running = await startLlmService({ ...baseEnv, LLM_RETRY_DELAY_MS: '20', ...extraEnv }, log, { provider, claimSubject });
  return { running, claimSubject };
}

/** One call against a fresh LLM service: claims it, runs `body`, ends the call and stops the service. */
export async function withCall(
  bus: Bus,
  provider: LlmProvider | undefined,
  agent: Partial<AgentConfigInput>,
  extraEnv: Record<string, string>,
  body: (t: TestCall) => Promise<void>,
  call: Partial<CallDescriptor> = {},
): Promise<void> {
  const { running, claimSubject } = await startTestLlm(provider, extraEnv);
  const t = new TestCall(bus, descriptor(agent, call));
  try {
    await bus.flush();
    const claimed = await claimStage(bus, 'llm', t.call, { subject: claimSubject });
    if (!claimed.ok) throw new Error(`claim failed: ${claimed.reason}`);
    await body(t);
  } finally {
    await t.close();
    t.ended();
    await running.stop();
  }
}
