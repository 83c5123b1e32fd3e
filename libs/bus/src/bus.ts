import { context, trace, type Context } from '@opentelemetry/api';
import type { Msg, MsgHdrs, NatsConnection, Subscription } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import {
  familySchemas,
  subjects,
  type AudioHeaderName,
  type EventFamily,
  type FamilyEvent,
  type FamilyEventInput,
} from '@audexly/protocol';
import type { Logger } from '@audexly/telemetry';
import { consumerSpan, extractTrace, injectTrace, newHeaders, producerSpan } from './trace-context.js';

export interface BusOptions {
  /** NATS server URL(s), comma separated. */
  servers: string;
  /** Connection name as NATS monitoring shows it: the service (and instance). */
  name: string;
  log: Logger;
}

/** A received text event, with the trace context its publisher sent. */
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

/**
 * The NATS connection of one service and the typed ways to use it. Consume each call's
 * subscriptions in their own `for await` loop so one slow call never holds up another.
 */
export class Bus {
  readonly nc: NatsConnection;
  readonly log: Logger;

  constructor(nc: NatsConnection, log: Logger) {
    this.nc = nc;
    this.log = log;
  }

  /** Validates and publishes a text event on `call.<callId>.<family>`, with trace context. */
  publishEvent<F extends EventFamily>(family: F, event: FamilyEventInput<F>): FamilyEvent<F> {
    const parsed = familySchemas[family].parse(event) as FamilyEvent<F>;
    const span = producerSpan(family, parsed.callId);
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
    const schema = familySchemas[family];
    const log = this.log;
    async function* iterate(): AsyncGenerator<Received<FamilyEvent<F>>> {
      for await (const msg of sub) {
        let json: unknown;
        try {
          json = JSON.parse(decoder.decode(msg.data));
        } catch (err) {
          log.warn({ err, subject: msg.subject }, 'dropped an event that is not JSON');
          continue;
        }
        const result = schema.safeParse(json);
        if (!result.success) {
          log.warn({ subject: msg.subject, issues: result.error.issues.slice(0, 3) }, 'dropped an event that fails its schema');
          continue;
        }
        const parent = extractTrace(msg.headers);
        consumerSpan(family, callId, parent).end();
        yield { event: result.data as FamilyEvent<F>, subject: msg.subject, trace: parent };
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
  const log = options.log.child({ component: 'bus' });
  log.info({ server: nc.getServer() }, 'connected to NATS');
  watchStatus(nc, log).catch((err: unknown) => log.warn({ err }, 'NATS status watcher stopped'));
  return new Bus(nc, options.log);
}

async function watchStatus(nc: NatsConnection, log: Logger): Promise<void> {
  for await (const status of nc.status()) {
    switch (status.type) {
      case 'disconnect':
        log.warn({ server: status.server }, 'disconnected from NATS');
        break;
      case 'reconnect':
        log.info({ server: status.server }, 'reconnected to NATS');
        break;
      case 'error':
        log.warn({ err: status.error }, 'NATS connection error');
        break;
      default:
        break;
    }
  }
}
