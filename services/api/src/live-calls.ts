import { readLifecycleSince, type Bus } from '@audexly/bus';
import { lifecycleEventSchema, type CallStarted, type LifecycleEvent } from '@audexly/protocol';
import type { Logger } from '@audexly/telemetry';

/** A call that has started and not ended, as `GET /api/v1/calls/live` returns it. */
export interface LiveCall {
  callId: string;
  callSid: string;
  /** ISO 8601 wall clock of timeline 0. */
  startedAt: string;
  /** Whole milliseconds since then, at the time of the answer. */
  elapsedMs: number;
  from: string;
  to: string;
  direction: CallStarted['call']['direction'];
  agent: { id: string; name: string };
  sampleRate: number;
}

const decoder = new TextDecoder();
/** A call whose `call.ended` never came (a gateway crashed) is dropped after its agent's maximum length plus this. */
const STALE_MARGIN_MS = 5 * 60 * 1000;

/** How far back the event log is read at start to find the calls already in progress. */
const SEED_WINDOW_MS = 2 * 60 * 60 * 1000;

/**
 * Calls in progress, from `call.*.lifecycle`: added on `call.started`, removed on `call.ended`.
 * At start it reads the last {@link SEED_WINDOW_MS} of lifecycle events from the event log, so
 * calls that began before the API (re)started are listed too.
 */
export class LiveCalls {
  private readonly calls = new Map<string, { started: CallStarted; maxCallMs: number }>();
  private readonly done: Promise<void>;
  private readonly sub;

  /** Calls whose `call.ended` arrived live: an older `call.started` read from the log must not revive them. */
  private readonly endedLive = new Set<string>();

  constructor(bus: Bus, log: Logger) {
    // Live events apply at once; the event log is read beside them (it can take a while on a long
    // log) and only fills in calls that started before the API did.
    this.sub = bus.nc.subscribe('call.*.lifecycle');
    this.done = Promise.all([this.follow(log), this.seed(bus, log)]).then(
      () => undefined,
      (err: unknown) => log.warn({ err }, 'live calls subscription ended'),
    );
  }

  private apply(event: LifecycleEvent): void {
    if (event.type === 'call.started') this.calls.set(event.callId, { started: event, maxCallMs: event.call.agent.limits.maxCallMs });
    else {
      this.endedLive.add(event.callId);
      this.calls.delete(event.callId);
    }
  }

  private async seed(bus: Bus, log: Logger): Promise<void> {
    try {
      const open = new Map<string, CallStarted>();
      for (const event of await readLifecycleSince(bus, Date.now() - SEED_WINDOW_MS)) {
        if (event.type === 'call.started') open.set(event.callId, event);
        else open.delete(event.callId);
      }
      for (const [callId, started] of open) {
        if (!this.endedLive.has(callId) && !this.calls.has(callId)) this.calls.set(callId, { started, maxCallMs: started.call.agent.limits.maxCallMs });
      }
    } catch (err) {
      log.warn({ err }, 'could not read recent calls from the event log: live calls shows only calls that start from now');
    }
  }

  private async follow(log: Logger): Promise<void> {
    for await (const msg of this.sub) {
      let parsed;
      try {
        parsed = lifecycleEventSchema.safeParse(JSON.parse(decoder.decode(msg.data)));
      } catch {
        continue;
      }
      if (!parsed.success) {
        log.debug({ subject: msg.subject }, 'ignored a lifecycle event that fails its schema');
        continue;
      }
      this.apply(parsed.data);
    }
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
    if (!this.sub.isClosed()) this.sub.unsubscribe();
    await this.done;
  }
}
