import { randomUUID } from 'node:crypto';
import { ErrorCode, HEARTBEAT_INTERVAL_MS, PROTOCOL_VERSION, subjects, type CallDescriptor, type Stage, type StageHeartbeat } from '@audexly/protocol';
import { ClaimServer, type Bus } from '@audexly/bus';
import { Gauge, Counter, type Logger, type Registry } from '@audexly/telemetry';
import { StageCall } from './stage-call.js';

/**
 * A stage's work for one call. Create the call's subscriptions (`call.events`, `call.audio`)
 * before the first `await`: the claim is answered right after the synchronous part returns, and
 * the gateway starts the call then. Resolve when the call's work is done (loops end on their own
 * when the call ends).
 */
export type CallHandler = (call: StageCall) => Promise<void>;

export interface StageRuntimeOptions {
  stage: Stage;
  bus: Bus;
  log: Logger;
  handler: CallHandler;
  maxCalls: number;
  instanceId?: string;
  /** A call that never ends (gateway lost) is given up after this long. */
  maxCallMs?: number;
  metrics?: Registry;
  /** Claim subject override (tests); `svc.<stage>.claim` by default. */
  claimSubject?: string;
  /** Heartbeat period; {@link HEARTBEAT_INTERVAL_MS} by default. */
  heartbeatMs?: number;
}

/** Claims calls for a stage and runs the handler once per call, within the load limit. */
export class StageRuntime {
  readonly instanceId: string;
  private readonly claims: ClaimServer;
  private readonly calls = new Map<string, { call: StageCall; done: Promise<void> }>();
  private readonly callsGauge: Gauge | undefined;
  private readonly failures: Counter | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private accepting = false;

  constructor(private readonly options: StageRuntimeOptions) {
    this.instanceId = options.instanceId ?? `${options.stage}-${randomUUID().slice(0, 8)}`;
    this.claims = new ClaimServer(options.bus, {
      stage: options.stage,
      instanceId: this.instanceId,
      maxCalls: options.maxCalls,
      onClaim: (descriptor, claim) => this.take(descriptor, claim.reclaim),
      subject: options.claimSubject,
    });
    if (options.metrics) {
      this.callsGauge = new Gauge({ name: 'audexly_stage_active_calls', help: 'Calls this instance holds', registers: [options.metrics] });
      this.failures = new Counter({ name: 'audexly_stage_call_failures_total', help: 'Calls whose handler failed', registers: [options.metrics] });
    }
  }

  start(): void {
    this.claims.start();
    this.accepting = true;
    this.beat();
    this.heartbeat = setInterval(() => this.beat(), this.options.heartbeatMs ?? HEARTBEAT_INTERVAL_MS);
    this.heartbeat.unref();
    this.options.log.info({ stage: this.options.stage, instanceId: this.instanceId, maxCalls: this.options.maxCalls }, 'taking calls');
  }

  get activeCalls(): number {
    return this.calls.size;
  }

  /**
   * Stops taking calls, lets live calls finish until `deadlineMs`, then gives up the rest.
   */
  async drain(deadlineMs: number): Promise<void> {
    this.accepting = false;
    await this.claims.stop();
    const all = Promise.all([...this.calls.values()].map((c) => c.done));
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'deadline'>((resolve) => (timer = setTimeout(() => resolve('deadline'), deadlineMs)));
    const outcome = await Promise.race([all.then(() => 'done' as const), deadline]);
    clearTimeout(timer);
    if (outcome === 'deadline') {
      this.options.log.warn({ calls: this.calls.size }, 'drain deadline passed, giving up live calls');
      for (const { call } of this.calls.values()) call.abandon();
      await all;
    }
    clearInterval(this.heartbeat);
  }

  /** Stops heartbeats at once, as a crashed instance would (tests of failover). */
  silence(): void {
    clearInterval(this.heartbeat);
  }

  /** `svc.<stage>.heartbeat`: alive, load, and the calls held (the gateway re-claims calls of silent instances). */
  private beat(): void {
    const { bus, stage, maxCalls } = this.options;
    if (bus.nc.isClosed()) return;
    const beat: StageHeartbeat = {
      type: 'stage.heartbeat',
      v: PROTOCOL_VERSION,
      stage,
      instanceId: this.instanceId,
      activeCalls: this.calls.size,
      maxCalls,
      accepting: this.accepting && this.calls.size < maxCalls,
      calls: [...this.calls.keys()],
      at: Date.now(),
    };
    bus.nc.publish(subjects.heartbeat(stage), JSON.stringify(beat));
  }

  private take(descriptor: CallDescriptor, reclaimed = false): Promise<void> {
    const { bus, log, stage, handler } = this.options;
    const callLog = log.child({ callId: descriptor.callId });
    const call = new StageCall(bus, stage, descriptor, callLog, { instanceId: this.instanceId, reclaimed });
    const lifecycle = bus.subscribeEvents(descriptor.callId, 'lifecycle');
    const control = bus.subscribeEvents(descriptor.callId, 'control');
    const watchEnd = (async () => {
      for await (const { event } of lifecycle) {
        if (event.type === 'call.ended') {
          lifecycle.unsubscribe();
          control.unsubscribe();
          await call.end(event);
        }
      }
    })();
    // Failover: the gateway gave the call to another instance of this stage (this one was thought
    // gone, e.g. paused). Drop it at once; nothing more is published for it from here.
    const watchReassigned = (async () => {
      for await (const { event } of control) {
        if (event.type !== 'control.reassigned' || event.stage !== stage || event.instanceId === this.instanceId) continue;
        callLog.warn({ stage, instanceId: this.instanceId, owner: event.instanceId }, 'call reassigned to another instance; dropping it');
        control.unsubscribe();
        lifecycle.unsubscribe();
        call.supersede();
      }
    })();
    const guard = setTimeout(() => {
      callLog.warn('call exceeded its maximum duration without call.ended; giving it up');
      lifecycle.unsubscribe();
      control.unsubscribe();
      call.abandon();
    }, this.options.maxCallMs ?? 4 * 60 * 60 * 1000);

    let work: Promise<void>;
    try {
      work = handler(call);
    } catch (err) {
      work = Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    const handled = work.catch((err: unknown) => {
      this.failures?.inc();
      call.error(ErrorCode.internal, `${stage} failed for this call`, { err });
    });
    const done = Promise.all([handled, watchEnd, watchReassigned]).then(() => {
      clearTimeout(guard);
      this.calls.delete(descriptor.callId);
      this.callsGauge?.set(this.calls.size);
      this.claims.release(descriptor.callId);
      callLog.debug('call released');
    });
    this.calls.set(descriptor.callId, { call, done });
    this.callsGauge?.set(this.calls.size);
    callLog.info({ stage, reclaimed }, reclaimed ? 'call re-claimed after failover' : 'call claimed');
    return Promise.resolve();
  }
}
