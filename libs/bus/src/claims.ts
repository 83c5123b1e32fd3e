import { RequestError, TimeoutError, type Msg, type Subscription } from '@nats-io/nats-core';
import {
  claimReplySchema,
  claimRequestSchema,
  PROTOCOL_VERSION,
  subjects,
  type CallDescriptor,
  type ClaimReply,
  type Stage,
} from '@audexly/protocol';
import type { Bus } from './bus.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export interface ClaimServerOptions {
  stage: Stage;
  /** Unique per process; reported in claim replies and logs. */
  instanceId: string;
  /** Calls this instance holds at most; at the limit it leaves the queue group. */
  maxCalls: number;
  /**
   * Takes the call: must subscribe to the call's subjects before resolving, because the claim is
   * answered as soon as it resolves (and the server has processed the subscriptions).
   */
  onClaim(call: CallDescriptor, claim: { reclaim: boolean }): Promise<void>;
  /** Claim subject; `svc.<stage>.claim` unless overridden (tests isolate themselves this way). */
  subject?: string;
}

/**
 * The stage side of the claim protocol. Instances of a stage share the queue group `<stage>` on
 * `svc.<stage>.claim`, so each claim reaches one of them. An instance at its load limit
 * unsubscribes, so when every instance is full the gateway gets "no responders" at once instead
 * of a timeout; it subscribes again when a call ends ({@link ClaimServer.release}).
 */
export class ClaimServer {
  private readonly active = new Set<string>();
  private sub: Subscription | undefined;
  private loop: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly bus: Bus,
    private readonly options: ClaimServerOptions,
  ) {}

  /**
   * Starts answering claims. Resolves once the NATS server has the subscription, so a claim sent
   * from any connection after that reaches this instance (not "no responders").
   */
  async start(): Promise<void> {
    this.listen();
    await this.bus.flush();
  }

  /** The calls this instance holds. */
  get calls(): ReadonlySet<string> {
    return this.active;
  }

  /** A call this instance held has ended: frees its slot. */
  release(callId: string): void {
    this.active.delete(callId);
    if (!this.closed && this.active.size < this.options.maxCalls) this.listen();
  }

  /** Stops taking new calls (for draining); held calls are unaffected. */
  async stop(): Promise<void> {
    this.closed = true;
    this.unlisten();
    await this.loop;
  }

  private listen(): void {
    if (this.sub) return;
    const sub = this.bus.nc.subscribe(this.options.subject ?? subjects.claim(this.options.stage), {
      queue: this.options.stage,
    });
    this.sub = sub;
    const previous = this.loop ?? Promise.resolve();
    this.loop = previous.then(() => this.serve(sub));
  }

  private unlisten(): void {
    const sub = this.sub;
    this.sub = undefined;
    // Messages already delivered to this subscription are still answered (declined when full).
    if (sub && !sub.isClosed()) sub.unsubscribe();
  }

  private async serve(sub: Subscription): Promise<void> {
    for await (const msg of sub) {
      try {
        await this.handle(msg);
      } catch (err) {
        this.bus.log.error({ err, stage: this.options.stage }, 'claim handling failed');
      }
    }
  }

  private async handle(msg: Msg): Promise<void> {
    const { stage, instanceId, maxCalls } = this.options;
    let request;
    try {
      request = claimRequestSchema.parse(JSON.parse(decoder.decode(msg.data)));
    } catch (err) {
      this.bus.log.warn({ err }, 'ignored a malformed claim request');
      return;
    }
    const callId = request.call.callId;
    const reply = (body: ClaimReply) => msg.respond(encoder.encode(JSON.stringify(body)));
    if (this.active.has(callId)) {
      reply({ type: 'claim.accepted', v: PROTOCOL_VERSION, stage, callId, instanceId });
      return;
    }
    if (this.closed || this.active.size >= maxCalls) {
      reply({
        type: 'claim.declined',
        v: PROTOCOL_VERSION,
        stage,
        callId,
        instanceId,
        reason: this.closed ? 'draining' : 'at capacity',
      });
      return;
    }
    this.active.add(callId);
    if (this.active.size >= maxCalls) this.unlisten();
    try {
      await this.options.onClaim(request.call, { reclaim: request.reclaim ?? false });
      await this.bus.flush();
    } catch (err) {
      this.release(callId);
      reply({
        type: 'claim.declined',
        v: PROTOCOL_VERSION,
        stage,
        callId,
        instanceId,
        reason: 'failed to take the call',
      });
      throw err;
    }
    reply({ type: 'claim.accepted', v: PROTOCOL_VERSION, stage, callId, instanceId });
  }
}

export type ClaimResult =
  | { ok: true; stage: Stage; instanceId: string }
  | { ok: false; stage: Stage; reason: 'no-responders' | 'timeout' | 'declined' };

export interface ClaimOptions {
  /** Per attempt. */
  timeoutMs?: number;
  attempts?: number;
  /** Claim subject; `svc.<stage>.claim` unless overridden. */
  subject?: string;
  /** A re-claim after failover (the instance that held the call fell silent). */
  reclaim?: boolean;
}

/**
 * The gateway side: asks one instance of `stage` to take the call. "No responders" (no instance
 * with capacity) fails at once; a timeout or a decline is tried again.
 */
export async function claimStage(
  bus: Bus,
  stage: Stage,
  call: CallDescriptor,
  options: ClaimOptions = {},
): Promise<ClaimResult> {
  const attempts = options.attempts ?? 3;
  const timeout = options.timeoutMs ?? 1000;
  const body = encoder.encode(
    JSON.stringify({
      type: 'claim.request',
      v: PROTOCOL_VERSION,
      stage,
      call,
      ...(options.reclaim ? { reclaim: true } : {}),
    }),
  );
  let last: 'timeout' | 'declined' = 'timeout';
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      const msg = await bus.nc.request(options.subject ?? subjects.claim(stage), body, { timeout });
      const reply = claimReplySchema.parse(JSON.parse(decoder.decode(msg.data)));
      if (reply.type === 'claim.accepted') return { ok: true, stage, instanceId: reply.instanceId };
      last = 'declined';
    } catch (err) {
      if (err instanceof RequestError && err.isNoResponders()) return { ok: false, stage, reason: 'no-responders' };
      if (err instanceof TimeoutError || (err instanceof RequestError && err.cause instanceof TimeoutError)) {
        last = 'timeout';
        continue;
      }
      throw err;
    }
  }
  return { ok: false, stage, reason: last };
}
