import { readCallsInProgress, type Bus, type BusSubscription, type Received } from '@audexly/bus';
import { delay, type CallStarted, type LifecycleEvent } from '@audexly/protocol';
import type { LiveCall } from '@audexly/protocol/api';
import type { Logger } from '@audexly/telemetry';

/** A call whose `call.ended` never came (a gateway crashed) is dropped after its agent's maximum length plus this. */
const STALE_MARGIN_MS = 5 * 60 * 1000;

/** How far back the event log is read at start to find the calls already in progress. */
const SEED_WINDOW_MS = 2 * 60 * 60 * 1000;

/** Reading the event log at start is tried this many times (a JetStream request can time out under load). */
const SEED_ATTEMPTS = 3;
const SEED_RETRY_MS = 1000;

/**
 * Calls in progress, from every call's lifecycle events: added on `call.started`, removed on
 * `call.ended`. At start it reads the last {@link SEED_WINDOW_MS} of lifecycle events from the
 * event log, so calls that began before the API (re)started are listed too.
 */
export class LiveCalls {
  private readonly calls = new Map<string, { started: CallStarted; maxCallMs: number }>();
  private readonly done: Promise<void>;
  private readonly sub: BusSubscription<Received<LifecycleEvent>>;

  /** Calls whose `call.ended` arrived live: an older `call.started` read from the log must not revive them. */
  private readonly endedLive = new Set<string>();

  private readonly stopping = new AbortController();

  constructor(bus: Bus, log: Logger) {
    // Live events apply at once; the event log is read beside them (it can take a while on a long
    // log) and only fills in calls that started before the API did.
    this.sub = bus.subscribeEveryCall('lifecycle');
    this.done = Promise.all([this.follow(), this.seed(bus, log)]).then(
      () => undefined,
      (err: unknown) => log.warn({ err }, 'live calls subscription ended'),
    );
  }

  private apply(event: LifecycleEvent): void {
    if (event.type === 'call.started')
      this.calls.set(event.callId, { started: event, maxCallMs: event.call.agent.limits.maxCallMs });
    else {
      this.endedLive.add(event.callId);
      this.calls.delete(event.callId);
    }
  }

  private async seed(bus: Bus, log: Logger): Promise<void> {
    for (let attempt = 1; attempt <= SEED_ATTEMPTS; attempt++) {
      try {
        this.addStartedBefore(await readCallsInProgress(bus, Date.now() - SEED_WINDOW_MS));
        return;
      } catch (err) {
        if (attempt === SEED_ATTEMPTS || this.stopping.signal.aborted) {
          log.warn(
            { err, attempts: attempt },
            'could not read recent calls from the event log: live calls shows only calls that start from now',
          );
          return;
        }
        log.info({ err, attempt }, 'reading recent calls from the event log failed; trying again');
        await delay(SEED_RETRY_MS * attempt, this.stopping.signal);
      }
    }
  }

  /** Adds the calls the event log shows in progress, unless live events already told. */
  private addStartedBefore(inProgress: readonly CallStarted[]): void {
    for (const started of inProgress) {
      if (!this.endedLive.has(started.callId) && !this.calls.has(started.callId))
        this.calls.set(started.callId, { started, maxCallMs: started.call.agent.limits.maxCallMs });
    }
  }

  private async follow(): Promise<void> {
    for await (const { event } of this.sub) this.apply(event);
  }

  /** When a call in progress started (epoch ms); undefined for a call not in progress. */
  startedAt(callId: string): number | undefined {
    return this.calls.get(callId)?.started.call.startedAt;
  }

  /** Calls in progress, longest running first. */
  list(now = Date.now()): LiveCall[] {
    const live: LiveCall[] = [];
    for (const [callId, { started, maxCallMs }] of this.calls) {
      const { call } = started;
      if (now - call.startedAt > maxCallMs + STALE_MARGIN_MS) {
        this.calls.delete(callId);
        continue;
      }
      live.push({
        callId,
        callSid: call.callSid,
        startedAt: new Date(call.startedAt).toISOString(),
        elapsedMs: Math.max(0, now - call.startedAt),
        from: call.from,
        to: call.to,
        direction: call.direction,
        agent: { id: call.agent.id, name: call.agent.name },
        sampleRate: call.sampleRate,
      });
    }
    return live.sort((a, b) => b.elapsedMs - a.elapsedMs || a.callId.localeCompare(b.callId));
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    this.sub.unsubscribe();
    await this.done;
  }
}
