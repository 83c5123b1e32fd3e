import { randomUUID } from 'node:crypto';
import {
  CALL_CHECK_INTERVAL_MS,
  CALL_CHECK_MISSES,
  ErrorCode,
  HEARTBEAT_INTERVAL_MS,
  PROTOCOL_VERSION,
  settledWithin,
  type CallDescriptor,
  type Stage,
} from '@audexly/protocol';
import { ClaimServer, type Bus } from '@audexly/bus';
import { callLogBindings, Gauge, Counter, type Logger, type Registry } from '@audexly/telemetry';
import { GatewayCallCheck } from './gateway-call-check.js';
import { HeldCall } from './held-call.js';
import { StageCall } from './stage-call.js';

/**
 * A stage's work for one call. Create the call's subscriptions (`call.events`, `call.audio`)
 * before the first `await`: the claim is answered right after the synchronous part returns, and
 * the gateway starts the call then. Resolve when the call's work is done (loops end on their own
 * when the call ends, or at once when the call is handed over: see {@link StageCall.superseded}).
 */
export type CallHandler = (call: StageCall) => Promise<void>;

export interface StageRuntimeOptions {
  stage: Stage;
  bus: Bus;
  log: Logger;
  handler: CallHandler;
  maxCalls: number;
  instanceId?: string;
  /** A call that never ends (no `call.ended`, and the gateway check off or fooled) is ended here after this long. */
  maxCallMs?: number;
  metrics?: Registry;
  /** Claim subject override (tests); `svc.<stage>.claim` by default. */
  claimSubject?: string;
  /** Heartbeat period; {@link HEARTBEAT_INTERVAL_MS} by default. */
  heartbeatMs?: number;
  /**
   * How often each held call is checked with its gateway ({@link CALL_CHECK_INTERVAL_MS} by
   * default; 0 = never). A call no gateway holds is ended here within two periods.
   */
  callCheckMs?: number;
  /** At the drain deadline, how long calls that already ended may still finish their work (a recorder writing the record). */
  finishGraceMs?: number;
}

const DEFAULT_MAX_CALL_MS = 4 * 60 * 60 * 1000;
const DEFAULT_FINISH_GRACE_MS = 5000;
/** How long the released calls' notices get to reach the server before the instance goes. */
const RELEASE_FLUSH_MS = 500;

/** Claims calls for a stage and runs the handler once per call, within the load limit. */
export class StageRuntime {
  readonly instanceId: string;
  private readonly claims: ClaimServer;
  private readonly calls = new Map<string, { held: HeldCall; finished: Promise<void> }>();
  private readonly callCheck: GatewayCallCheck;
  private readonly callsGauge: Gauge | undefined;
  private readonly failures: Counter | undefined;
  private readonly claimsTaken: Counter<'kind'> | undefined;
  private readonly errors: Counter<'code'> | undefined;
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
    this.callCheck = new GatewayCallCheck({
      bus: options.bus,
      stage: options.stage,
      instanceId: this.instanceId,
      log: options.log,
      intervalMs: options.callCheckMs ?? CALL_CHECK_INTERVAL_MS,
      misses: CALL_CHECK_MISSES,
      calls: () => [...this.calls.values()].filter(({ held }) => held.live).map(({ held }) => held.call.callId),
      onOrphan: (callId) => this.endOrphan(callId),
    });
    if (options.metrics) {
      this.callsGauge = new Gauge({
        name: 'audexly_stage_active_calls',
        help: 'Calls this instance holds',
        registers: [options.metrics],
      });
      this.failures = new Counter({
        name: 'audexly_stage_call_failures_total',
        help: 'Calls whose handler failed',
        registers: [options.metrics],
      });
      this.claimsTaken = new Counter({
        name: 'audexly_stage_claims_total',
        help: 'Calls this instance claimed: kind="new", or "reclaim" after a failover',
        labelNames: ['kind'],
        registers: [options.metrics],
      });
      this.errors = new Counter({
        name: 'audexly_stage_errors_total',
        help: 'Error events this instance published for its calls (provider failures among them), by code',
        labelNames: ['code'],
        registers: [options.metrics],
      });
    }
  }

  /** Starts taking calls; resolves once claims from any connection reach this instance. */
  async start(): Promise<void> {
    await this.claims.start();
    this.accepting = true;
    this.beat();
    this.heartbeat = setInterval(() => this.beat(), this.options.heartbeatMs ?? HEARTBEAT_INTERVAL_MS);
    this.heartbeat.unref();
    this.callCheck.start();
    this.options.log.info(
      { stage: this.options.stage, instanceId: this.instanceId, maxCalls: this.options.maxCalls },
      'taking calls',
    );
  }

  get activeCalls(): number {
    return this.calls.size;
  }

  /** The calls this instance holds (what its heartbeats list). */
  get heldCalls(): string[] {
    return [...this.calls.keys()];
  }

  /**
   * Stops taking calls and lets live calls finish until `deadlineMs`. Then each call still live is
   * released: `control.released` (the gateway re-claims it at once on another instance), every
   * subscription of it closed, no longer in heartbeats. Calls that already ended get
   * `finishGraceMs` more to finish their work. Resolves by then at the latest.
   */
  async drain(deadlineMs: number): Promise<void> {
    this.accepting = false;
    await this.claims.stop();
    if (!(await settledWithin(this.allFinished(), deadlineMs))) {
      this.releaseLiveCalls();
      await settledWithin(this.options.bus.flush(), RELEASE_FLUSH_MS);
      if (this.calls.size > 0) {
        this.options.log.warn(
          { calls: this.calls.size },
          'drain deadline passed; letting ended calls finish their work',
        );
        if (!(await settledWithin(this.allFinished(), this.options.finishGraceMs ?? DEFAULT_FINISH_GRACE_MS))) {
          this.options.log.error(
            { calls: this.heldCalls },
            'ended calls did not finish their work in time; leaving them',
          );
        }
      }
    }
    clearInterval(this.heartbeat);
    this.callCheck.stop();
  }

  /** Stops heartbeats at once, as a crashed instance would (tests of failover). */
  silence(): void {
    clearInterval(this.heartbeat);
  }

  private allFinished(): Promise<unknown> {
    return Promise.all([...this.calls.values()].map(({ finished }) => finished));
  }

  /** The drain deadline passed: every live call goes to another instance, at once. */
  private releaseLiveCalls(): void {
    const live = [...this.calls.values()].filter(({ held }) => held.live);
    this.options.log.warn({ calls: live.length }, 'drain deadline passed, releasing live calls to other instances');
    for (const { held } of live) {
      held.release();
      this.free(held);
    }
    // Heartbeats stop listing them now, not at the next period.
    this.beat();
  }

  /** No gateway holds the call any more: end it here (error event, subscriptions drained, slot freed when its work is done). */
  private endOrphan(callId: string): void {
    const held = this.calls.get(callId)?.held;
    if (!held) return;
    held.call.log.warn(
      { stage: this.options.stage, instanceId: this.instanceId },
      'no gateway holds the call any more; ending it here',
    );
    held
      .endHere(ErrorCode.gatewayLost, 'no gateway holds this call any more; the stage ended it')
      .catch((err: unknown) => held.call.log.warn({ err }, 'ending an orphaned call failed'));
  }

  /** `svc.<stage>.heartbeat`: alive, load, and the calls held (the gateway re-claims calls of silent instances). */
  private beat(): void {
    const { bus, stage, maxCalls } = this.options;
    if (bus.nc.isClosed()) return;
    bus.publishHeartbeat({
      type: 'stage.heartbeat',
      v: PROTOCOL_VERSION,
      stage,
      instanceId: this.instanceId,
      activeCalls: this.calls.size,
      maxCalls,
      accepting: this.accepting && this.calls.size < maxCalls,
      calls: this.heldCalls,
      at: Date.now(),
    });
  }

  private take(descriptor: CallDescriptor, reclaimed = false): Promise<void> {
    const { bus, log, stage, handler } = this.options;
    const callLog = log.child(callLogBindings(descriptor.callId));
    const call = new StageCall(bus, stage, descriptor, callLog, {
      instanceId: this.instanceId,
      reclaimed,
      onError: (code) => this.errors?.inc({ code }),
    });
    this.claimsTaken?.inc({ kind: reclaimed ? 'reclaim' : 'new' });
    const held = new HeldCall(call, handler, {
      bus,
      stage,
      instanceId: this.instanceId,
      log: callLog,
      maxCallMs: this.options.maxCallMs ?? DEFAULT_MAX_CALL_MS,
      onFailure: () => this.failures?.inc(),
    });
    this.calls.set(descriptor.callId, { held, finished: held.done.then(() => this.free(held)) });
    this.callsGauge?.set(this.calls.size);
    callLog.info({ stage, reclaimed }, reclaimed ? 'call re-claimed after failover' : 'call claimed');
    return Promise.resolve();
  }

  /** The instance no longer holds the call: out of heartbeats, its slot free for another claim. */
  private free(held: HeldCall): void {
    const callId = held.call.callId;
    if (this.calls.get(callId)?.held !== held) return;
    this.calls.delete(callId);
    this.callsGauge?.set(this.calls.size);
    this.claims.release(callId);
    held.call.log.debug('call released');
  }
}
