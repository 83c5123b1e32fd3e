import { ErrorCode, PROTOCOL_VERSION, type ErrorCodeValue, type FamilyEvent, type Stage } from '@audexly/protocol';
import type { Bus, BusSubscription, Received } from '@audexly/bus';
import { inCallContext, type Logger } from '@audexly/telemetry';
import type { StageCall } from './stage-call.js';

/** A stage's work for one call (see `CallHandler` in stage-runtime.ts). */
export type CallWork = (call: StageCall) => Promise<void>;

export interface HeldCallOptions {
  bus: Bus;
  stage: Stage;
  instanceId: string;
  /** The call's logger. */
  log: Logger;
  /** A call that never ends is ended here after this long. */
  maxCallMs: number;
  /** The handler failed for the call (the runtime counts it). */
  onFailure(): void;
}

/**
 * One call as the runtime holds it: the handler's work, and the runtime's own watch on the call's
 * lifecycle and control subjects. It ends one of four ways, and in each every subscription of the
 * call is closed:
 * - `call.ended` from the gateway: the call's subscriptions drain, the work finishes;
 * - `control.reassigned` to another instance: given up at once, nothing more published;
 * - {@link HeldCall.release} at the drain deadline: `control.released`, then given up at once;
 * - {@link HeldCall.endHere}: no gateway holds the call any more (or it outlived its maximum
 *   length): an error event, then ended as if `call.ended` (reason `error`) had come.
 */
export class HeldCall {
  /** Resolves when the work is over and the runtime's watches have stopped. */
  readonly done: Promise<void>;
  private readonly lifecycle: BusSubscription<Received<FamilyEvent<'lifecycle'>>>;
  private readonly control: BusSubscription<Received<FamilyEvent<'control'>>>;
  private readonly guard: NodeJS.Timeout;

  constructor(
    readonly call: StageCall,
    work: CallWork,
    private readonly options: HeldCallOptions,
  ) {
    const { bus } = options;
    // Subscribed synchronously: the claim is answered right after this returns.
    this.lifecycle = bus.subscribeEvents(call.callId, 'lifecycle');
    this.control = bus.subscribeEvents(call.callId, 'control');
    this.guard = setTimeout(() => {
      this.endHere(ErrorCode.timeout, 'the call exceeded its maximum length without call.ended').catch((err: unknown) =>
        options.log.warn({ err }, 'ending an overlong call failed'),
      );
    }, options.maxCallMs);
    const handled = runWork(work, call).catch((err: unknown) => {
      if (call.superseded) return; // given up: its failure is the new owner's business no more
      options.onFailure();
      call.error(ErrorCode.internal, `${options.stage} failed for this call`, { err });
    });
    this.done = Promise.all([handled, this.watchEnd(), this.watchReassigned()]).then(() => clearTimeout(this.guard));
  }

  /** `call.ended` came (or the call was ended here): its work is finishing, it is no longer live. */
  get ending(): boolean {
    return this.call.ending;
  }

  /** Still this instance's live call (not ending, not handed over). */
  get live(): boolean {
    return !this.call.ending && !this.call.superseded;
  }

  /** The drain deadline passed: hand the live call over (`control.released`); the gateway re-claims it elsewhere at once. */
  release(): void {
    if (!this.live) return;
    this.options.log.warn(
      { stage: this.options.stage, instanceId: this.options.instanceId },
      'drain deadline passed; releasing the call to another instance',
    );
    this.stopWatching();
    this.call.release();
  }

  /**
   * Ends the call on this instance without the gateway's `call.ended`: an error event for the call,
   * then the same end as `call.ended` with reason `error` (its subscriptions drain, a recorder writes
   * the record with that reason).
   */
  async endHere(code: ErrorCodeValue, detail: string): Promise<void> {
    if (!this.live) return;
    this.call.error(code, detail, { retryable: false });
    this.stopWatching();
    const durationMs = Math.max(0, Math.round(this.call.timelineMs()));
    await this.call.end({
      type: 'call.ended',
      v: PROTOCOL_VERSION,
      callId: this.call.callId,
      timelineMs: durationMs,
      reason: 'error',
      detail,
      durationMs,
    });
  }

  private async watchEnd(): Promise<void> {
    for await (const { event } of this.lifecycle) {
      if (event.type !== 'call.ended') continue;
      this.stopWatching();
      await this.call.end(event);
    }
  }

  /**
   * Failover: the gateway gave the call to another instance of this stage (this one was thought
   * gone, e.g. paused). Drop it at once; nothing more is published for it from here.
   */
  private async watchReassigned(): Promise<void> {
    const { stage, instanceId, log } = this.options;
    for await (const { event } of this.control) {
      if (event.type !== 'control.reassigned' || event.stage !== stage || event.instanceId === instanceId) continue;
      log.warn({ stage, instanceId, owner: event.instanceId }, 'call reassigned to another instance; dropping it');
      this.stopWatching();
      this.call.supersede();
    }
  }

  private stopWatching(): void {
    clearTimeout(this.guard);
    this.lifecycle.unsubscribe();
    this.control.unsubscribe();
  }
}

/** The work runs in the call's trace context: what it publishes and requests lands under the call span. */
function runWork(work: CallWork, call: StageCall): Promise<void> {
  try {
    return inCallContext(call.callId, () => work(call));
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
}
