import { randomUUID } from 'node:crypto';
import { connectBus, type Bus } from '@audexly/bus';
import { PROTOCOL_VERSION, type CallDescriptor, type EventFamily, type FamilyEvent } from '@audexly/protocol';
import type { LlmProvider } from '@audexly/providers';
import type { RunningStage } from '@audexly/stage';
import { startLlmService } from '../service.js';
import { log } from './harness.js';

/** Integration tests only: the NATS they run against. */
export const natsUrl = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';

export function connectTestBus(): Promise<Bus> {
  return connectBus({ servers: natsUrl, name: 'llm-test', log });
}

const base = (call: CallDescriptor) => ({
  v: PROTOCOL_VERSION,
  callId: call.callId,
  timelineMs: Date.now() - call.startedAt,
});

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

/** The test side of one call on the bus: publishes what the gateway and STT would, collects what the LLM publishes. */
export class BusTestCall {
  readonly replies: Collector<FamilyEvent<'reply'>>;
  private readonly subs: Array<{ unsubscribe(): void }> = [];
  private readonly collectors: Array<Collector<unknown>> = [];

  constructor(
    readonly bus: Bus,
    readonly call: CallDescriptor,
  ) {
    this.replies = this.collect('reply');
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
    this.bus.publishEvent('speech', {
      ...base(this.call),
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

  bargeIn(turn: number, heardSegments: number[]): void {
    this.bus.publishEvent('control', { ...base(this.call), type: 'control.interrupt', turn, reason: 'barge-in' });
    this.bus.publishEvent('playback', { ...base(this.call), type: 'playback.interrupted', turn, heardSegments });
  }

  async doneOf(turn: number, count = 1): Promise<FamilyEvent<'reply'>[]> {
    await this.replies.until(
      () => this.replies.seen.filter((e) => e.type === 'reply.done' && e.turn === turn).length >= count,
    );
    return this.replies.seen.filter((e) => e.turn === turn);
  }

  ended(): void {
    this.bus.publishEvent('lifecycle', {
      ...base(this.call),
      type: 'call.ended',
      reason: 'caller-hangup',
      durationMs: 1,
    });
  }

  async close(): Promise<void> {
    for (const s of this.subs) s.unsubscribe();
    await Promise.all(this.collectors.map((c) => c.done));
  }
}

/** Starts an LLM service on the bus, on a private claim subject. */
export async function startTestLlm(
  provider: LlmProvider | undefined,
  claimSubject = `test.llm.claim.${randomUUID()}`,
): Promise<{ running: RunningStage; claimSubject: string }> {
  const running = await startLlmService(
    { NATS_URL: natsUrl, METRICS_PORT: '0', LOG_LEVEL: 'silent', LLM_RETRY_DELAY_MS: '20' },
    log,
    { provider, claimSubject },
  );
  return { running, claimSubject };
}
