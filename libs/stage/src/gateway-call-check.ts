import { PROTOCOL_VERSION, subjects, type CallStatusRequest, type Stage } from '@audexly/protocol';
import type { Bus } from '@audexly/bus';
import type { Logger } from '@audexly/telemetry';

export interface GatewayCallCheckOptions {
  bus: Bus;
  stage: Stage;
  instanceId: string;
  log: Logger;
  /** How often each held call is asked about. */
  intervalMs: number;
  /** "No responders" this many times in a row means no gateway holds the call. */
  misses: number;
  /** The live calls this instance holds now. */
  calls(): readonly string[];
  /** No gateway holds the call any more: the runtime ends it here. */
  onOrphan(callId: string): void;
}

type Answer = 'held' | 'no-gateway' | 'unknown';

const encoder = new TextEncoder();

/**
 * The gateway's end of a call is authoritative: a stage never keeps a call its gateway no longer
 * holds (the gateway died, or its `call.ended` was lost). Every `intervalMs` this asks, for each
 * live call held since the previous round, `svc.gateway.call.<callId>`; the gateway holding the
 * call answers. "No responders" `misses` rounds in a row — with this instance's NATS connection up
 * and unchanged throughout, so an outage on either side is never mistaken for it — means no gateway
 * holds the call. A timeout or any other failure proves nothing and breaks the row.
 */
export class GatewayCallCheck {
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> | undefined;
  private stopped = false;
  /** Calls held at the previous round: only those are asked about (a fresh claim is not). */
  private known = new Set<string>();
  private readonly missed = new Map<string, number>();
  /** `bus.connectionChangedAt` when the current rows of misses began. */
  private connectionEpoch: number;

  constructor(private readonly options: GatewayCallCheckOptions) {
    this.connectionEpoch = options.bus.connectionChangedAt;
  }

  start(): void {
    if (this.timer || this.stopped || this.options.intervalMs <= 0) return;
    this.timer = setInterval(() => this.startRound(), this.options.intervalMs);
    this.timer.unref();
  }

  /** Stops asking. A round still out (its requests end with the connection) changes nothing any more. */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.stopped = true;
  }

  private startRound(): void {
    if (this.round) return; // the previous round is still out
    this.round = this.checkCalls()
      .catch((err: unknown) => this.options.log.warn({ err }, 'checking whether the gateway holds our calls failed'))
      .finally(() => (this.round = undefined));
  }

  private async checkCalls(): Promise<void> {
    const current = this.options.calls();
    const due = current.filter((callId) => this.known.has(callId));
    this.known = new Set(current);
    for (const callId of this.missed.keys()) if (!this.known.has(callId)) this.missed.delete(callId);
    if (!this.connectionSteady()) return;
    const answers = await Promise.all(due.map(async (callId) => [callId, await this.ask(callId)] as const));
    if (this.stopped || !this.connectionSteady()) return;
    for (const [callId, answer] of answers) {
      if (answer !== 'no-gateway') {
        this.missed.delete(callId);
        continue;
      }
      const misses = (this.missed.get(callId) ?? 0) + 1;
      if (misses < this.options.misses) {
        this.missed.set(callId, misses);
        continue;
      }
      this.missed.delete(callId);
      this.known.delete(callId);
      this.options.onOrphan(callId);
    }
  }

  /** The connection is up and has not dropped since the misses counted so far (else they are forgotten). */
  private connectionSteady(): boolean {
    const { bus } = this.options;
    if (bus.connected && bus.connectionChangedAt === this.connectionEpoch) return true;
    this.missed.clear();
    this.connectionEpoch = bus.connectionChangedAt;
    return false;
  }

  private async ask(callId: string): Promise<Answer> {
    const { bus, stage, instanceId, intervalMs } = this.options;
    const request: CallStatusRequest = {
      type: 'gateway.call-status-request',
      v: PROTOCOL_VERSION,
      callId,
      stage,
      instanceId,
    };
    try {
      await bus.nc.request(subjects.gatewayCall(callId), encoder.encode(JSON.stringify(request)), {
        timeout: Math.min(5000, intervalMs),
      });
      return 'held';
    } catch (err) {
      return isNoResponders(err) ? 'no-gateway' : 'unknown';
    }
  }
}

/** nats.js's `RequestError` for "no responders" (told apart by its method: no import of the client here). */
function isNoResponders(err: unknown): boolean {
  const check = (err as { isNoResponders?: unknown } | null)?.isNoResponders;
  return err instanceof Error && typeof check === 'function' && (check as () => boolean).call(err) === true;
}
