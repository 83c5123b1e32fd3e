import { context, trace, type Context } from '@opentelemetry/api';
import type { Msg, MsgHdrs, NatsConnection, Subscription } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import {
  familySchemas,
  stageHeartbeatSchema,
  subjects,
  type AudioHeaderName,
  type EventFamily,
  type FamilyEvent,
  type FamilyEventInput,
  type StageHeartbeat,
} from '@audexly/protocol';
import { Counter, type Logger, type Registry } from '@audexly/telemetry';
import { consumerSpan, extractTrace, injectTrace, newHeaders, producerSpan } from './trace-context.js';

export interface BusOptions {
  /** NATS server URL(s), comma separated. */
  servers: string;
  /** Connection name as NATS monitoring shows it: the service (and instance). */
  name: string;
  log: Logger;
}

/**
 * A received text event, with `trace`: the context of its CONSUMER span (a child of the publisher's
 * span, in the call's trace), which lasts until the consumer asks for the next event. A consumer
 * that publishes or makes requests for the event runs that work in `context.with(trace, …)`.
 */
export interface Received<E> {
  event: E;
  subject: string;
  trace: Context;
}

/** A received audio message: PCM16LE payload and its headers. */
export interface AudioMessage {
  data: Uint8Array;
  subject: string;
  header(name: AudioHeaderName): string | undefined;
  /** A numeric header, or `fallback` when absent or not a number. */
  num(name: AudioHeaderName, fallback?: number): number;
}

/** An async-iterable subscription that can be stopped from outside its loop. */
export interface BusSubscription<T> extends AsyncIterable<T> {
  unsubscribe(): void;
  /** Delivers what already arrived, then ends the iteration. */
  drain(): Promise<void>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A change of the connection to NATS: `at` is this process's clock (epoch ms). */
export interface ConnectionChange {
  connected: boolean;
  at: number;
}

/**
 * The NATS connection of one service and the typed ways to use it. Consume each call's
 * subscriptions in their own `for await` loop so one slow call never holds up another.
 */
export class Bus {
  readonly nc: NatsConnection;
  readonly log: Logger;
  private up = true;
  private changedAt = Date.now();
  private readonly connectionListeners = new Set<(change: ConnectionChange) => void>();

  constructor(nc: NatsConnection, log: Logger) {
    this.nc = nc;
    this.log = log;
  }

  /**
   * Whether the connection to NATS is up: false from a disconnect until the client reconnected
   * (and re-sent its subscriptions), and once closed. A service is not ready while it is false.
   */
  get connected(): boolean {
    return this.up && !this.nc.isClosed();
  }

  /** When {@link connected} last changed (epoch ms, this process's clock). */
  get connectionChangedAt(): number {
    return this.changedAt;
  }

  /** Calls `listener` on every disconnect and reconnect; returns the function that stops it. */
  onConnectionChange(listener: (change: ConnectionChange) => void): () => void {
    this.connectionListeners.add(listener);
    return () => this.connectionListeners.delete(listener);
  }

  /** Reconnects and slow-consumer notices since the connection opened ({@link registerBusMetrics}). */
  readonly counts = { reconnects: 0, slowConsumers: 0 };

  /** Records a disconnect or a reconnect (the connection's status watcher calls it). */
  connectionChanged(connected: boolean): void {
    if (connected === this.up) return;
    this.up = connected;
    this.changedAt = Date.now();
    const change = { connected, at: this.changedAt };
    for (const listener of [...this.connectionListeners]) {
      try {
        listener(change);
      } catch (err) {
        this.log.warn({ err }, 'a NATS connection listener failed');
      }
    }
  }

  /** Validates and publishes a text event on `call.<callId>.<family>`, with trace context. */
  publishEvent<F extends EventFamily>(family: F, event: FamilyEventInput<F>): FamilyEvent<F> {
    const parsed = familySchemas[family].parse(event) as FamilyEvent<F>;
    const span = producerSpan(family, parsed.callId, turnOf(parsed));
    const hdrs = injectTrace(newHeaders(), trace.setSpan(context.active(), span));
    try {
      this.nc.publish(subjects.event(parsed.callId, family), encoder.encode(JSON.stringify(parsed)), { headers: hdrs });
    } finally {
      span.end();
    }
    return parsed;
  }

  /** Publishes binary audio with metadata headers. No span per chunk. */
  publishAudio(subject: string, pcm: Uint8Array, meta: Partial<Record<AudioHeaderName, string | number>>): void {
    const hdrs = newHeaders();
    for (const [key, value] of Object.entries(meta)) if (value !== undefined) hdrs.set(key, String(value));
    this.nc.publish(subject, pcm, { headers: hdrs });
  }

  /**
   * The text events of one family of one call. Messages that fail validation are logged and
   * skipped: a bad publisher never breaks a consumer.
   */
  subscribeEvents<F extends EventFamily>(callId: string, family: F): BusSubscription<Received<FamilyEvent<F>>> {
    const sub = this.nc.subscribe(subjects.event(callId, family));
    return withUnsubscribe(receiveEvents(sub, family, this.log), sub);
  }

  /**
   * One family's events of every call (`call.*.<family>`), validated like {@link subscribeEvents}:
   * for a process that follows all calls (the api's list of live calls follows `lifecycle`).
   */
  subscribeEveryCall<F extends EventFamily>(family: F): BusSubscription<Received<FamilyEvent<F>>> {
    const sub = this.nc.subscribe(subjects.everyCall(family));
    return withUnsubscribe(receiveEvents(sub, family, this.log), sub);
  }

  /**
   * Publishes a stage instance's heartbeat on `svc.<stage>.heartbeat`, validated. It carries no
   * trace context: it belongs to no call.
   */
  publishHeartbeat(beat: StageHeartbeat): void {
    const parsed = stageHeartbeatSchema.parse(beat);
    this.nc.publish(subjects.heartbeat(parsed.stage), encoder.encode(JSON.stringify(parsed)));
  }

  /**
   * Every stage instance's heartbeats (`svc.*.heartbeat`), validated. One that fails its schema
   * (another protocol version) is logged at debug level and skipped: every 250 ms, a warning each
   * would drown the log.
   */
  subscribeHeartbeats(): BusSubscription<StageHeartbeat> {
    const sub = this.nc.subscribe(subjects.allHeartbeats());
    const log = this.log;
    async function* iterate(): AsyncGenerator<StageHeartbeat> {
      for await (const msg of sub) {
        const result = stageHeartbeatSchema.safeParse(parseJson(msg.data));
        if (result.success) yield result.data;
        else log.debug({ subject: msg.subject }, 'ignored a malformed heartbeat');
      }
    }
    return withUnsubscribe(iterate(), sub);
  }

  /** Binary audio of one subject (`subjects.audioIn(callId)`, …). */
  subscribeAudio(subject: string): BusSubscription<AudioMessage> {
    const sub = this.nc.subscribe(subject);
    async function* iterate(): AsyncGenerator<AudioMessage> {
      for await (const msg of sub) yield toAudioMessage(msg);
    }
    return withUnsubscribe(iterate(), sub);
  }

  /** Resolves once the server has processed everything sent so far (e.g. subscriptions). */
  flush(): Promise<void> {
    return this.nc.flush();
  }

  /** Lets in-flight messages finish, then closes. */
  async drain(): Promise<void> {
    if (!this.nc.isClosed()) await this.nc.drain();
  }
}

/** Validated text events of one family from a subscription, each with a CONSUMER span. */
async function* receiveEvents<F extends EventFamily>(
  sub: Subscription,
  family: F,
  log: Logger,
): AsyncGenerator<Received<FamilyEvent<F>>> {
  const schema = familySchemas[family];
  for await (const msg of sub) {
    const json = parseJson(msg.data);
    if (json === NOT_JSON) {
      log.warn({ subject: msg.subject }, 'dropped an event that is not JSON');
      continue;
    }
    const result = schema.safeParse(json);
    if (!result.success) {
      log.warn(
        { subject: msg.subject, issues: result.error.issues.slice(0, 3) },
        'dropped an event that fails its schema',
      );
      continue;
    }
    const event = result.data as FamilyEvent<F>;
    const span = consumerSpan(family, event.callId, extractTrace(msg.headers));
    // The span lasts while the consumer handles the event: until it asks for the next one (or stops).
    try {
      yield { event, subject: msg.subject, trace: trace.setSpan(context.active(), span) };
    } finally {
      span.end();
    }
  }
}

/** The agent turn an event belongs to: its `turn`, or for caller speech its `utterance` (turn n answers utterance n). */
function turnOf(event: object): number | undefined {
  const e = event as { turn?: unknown; utterance?: unknown };
  if (typeof e.turn === 'number') return e.turn;
  return typeof e.utterance === 'number' ? e.utterance : undefined;
}

const NOT_JSON = Symbol('not JSON');

function parseJson(data: Uint8Array): unknown {
  try {
    return JSON.parse(decoder.decode(data));
  } catch {
    return NOT_JSON;
  }
}

function withUnsubscribe<T>(iterator: AsyncGenerator<T>, sub: Subscription): BusSubscription<T> {
  return {
    [Symbol.asyncIterator]: () => iterator,
    unsubscribe: () => {
      if (!sub.isClosed()) sub.unsubscribe();
    },
    drain: () => (sub.isClosed() ? Promise.resolve() : sub.drain()),
  };
}

/** Reads a core or JetStream message as an {@link AudioMessage}. */
export function toAudioMessage(msg: Pick<Msg, 'data' | 'subject' | 'headers'>): AudioMessage {
  const hdrs: MsgHdrs | undefined = msg.headers;
  const header = (name: AudioHeaderName) => hdrs?.get(name) || undefined;
  return {
    data: msg.data,
    subject: msg.subject,
    header,
    num: (name, fallback = 0) => {
      const value = Number(header(name));
      return Number.isFinite(value) && header(name) !== undefined ? value : fallback;
    },
  };
}

/**
 * Connects to NATS: reconnects indefinitely (also while waiting for the first connection) and
 * logs connection state changes.
 */
export async function connectBus(options: BusOptions): Promise<Bus> {
  const nc = await connect({
    servers: options.servers.split(',').map((s) => s.trim()),
    name: options.name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    waitOnFirstConnect: true,
    pingInterval: 10_000,
  });
  const log = options.log.child({ component: 'bus', connection: options.name });
  log.info({ server: nc.getServer() }, 'connected to NATS');
  const bus = new Bus(nc, options.log);
  watchStatus(bus, log).catch((err: unknown) => log.warn({ err }, 'NATS status watcher stopped'));
  return bus;
}

async function watchStatus(bus: Bus, log: Logger): Promise<void> {
  for await (const status of bus.nc.status()) {
    switch (status.type) {
      case 'disconnect':
        log.warn({ server: status.server }, 'disconnected from NATS');
        bus.connectionChanged(false);
        break;
      case 'reconnect':
        log.info({ server: status.server }, 'reconnected to NATS');
        bus.counts.reconnects += 1;
        bus.connectionChanged(true);
        break;
      case 'slowConsumer':
        bus.counts.slowConsumers += 1;
        log.warn(
          { subject: status.sub.getSubject(), pending: status.pending },
          'a NATS subscription is a slow consumer',
        );
        break;
      case 'error':
        log.warn({ err: status.error }, 'NATS connection error');
        break;
      default:
        break;
    }
  }
}

/**
 * `audexly_nats_reconnects_total` and `audexly_nats_slow_consumers_total` of a bus, read at each
 * scrape.
 */
export function registerBusMetrics(registry: Registry, bus: Bus): void {
  new Counter({
    name: 'audexly_nats_reconnects_total',
    help: 'Reconnects of this process to NATS.',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(bus.counts.reconnects);
    },
  });
  new Counter({
    name: 'audexly_nats_slow_consumers_total',
    help: 'Slow-consumer notices from NATS for this process (a subscription fell behind and lost messages).',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(bus.counts.slowConsumers);
    },
  });
}
