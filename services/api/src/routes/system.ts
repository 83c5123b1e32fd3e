import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { BUCKETS, EVENTS_STREAM, openBucket, openRecordings, streamState, type Bus } from '@audexly/bus';
import { RECORDING_STORES, STAGES, withTimeout } from '@audexly/protocol';
import type { SystemStatus } from '@audexly/protocol/api';
import type { RecordingStoreKind } from '@audexly/storage';
import type { LiveCalls } from '../live-calls.js';
import { docSchema } from '../openapi.js';
import type { StageInstances } from '../stage-instances.js';

/** `GET /api/v1/system` answer, for the OpenAPI document ({@link SystemStatus} is the type). */
export const systemSchema = z.object({
  nats: z.object({
    connected: z.boolean(),
    /** The server this API is connected to (URL). */
    server: z.string().nullable(),
    serverName: z.string().nullable(),
    version: z.string().nullable(),
    /** Round trip to the server, ms (null when it did not answer). */
    rttMs: z.number().nullable(),
  }),
  eventLog: z.object({ stream: z.string(), messages: z.number(), bytes: z.number(), consumers: z.number() }).nullable(),
  buckets: z.array(z.object({ bucket: z.string(), values: z.number(), bytes: z.number() })),
  /** Where recordings go; `bytes` is known for the JetStream object store only. */
  recordings: z.object({ store: z.enum(RECORDING_STORES), bytes: z.number().nullable() }),
  liveCalls: z.number(),
  instances: z.array(
    z.object({
      stage: z.enum(STAGES),
      instanceId: z.string(),
      activeCalls: z.number(),
      maxCalls: z.number(),
      accepting: z.boolean(),
      lastSeenMs: z.number(),
    }),
  ),
}) satisfies z.ZodType<SystemStatus>;

const RTT_TIMEOUT_MS = 1000;

/** Round trip to the NATS server, ms; null when it did not answer in time. */
async function rtt(bus: Bus): Promise<number | null> {
  if (bus.nc.isClosed()) return null;
  return withTimeout(bus.nc.rtt(), RTT_TIMEOUT_MS).catch(() => null);
}

/** `GET /api/v1/system`: NATS, the event log, the KV buckets, recordings, and the stage instances heard from. */
export function systemRoutes(bus: Bus, recordings: RecordingStoreKind, instances: StageInstances, live: LiveCalls) {
  return (app: FastifyInstance): Promise<void> => {
    app.get(
      '/api/v1/system',
      {
        schema: {
          tags: ['system'],
          summary: 'System health for the dashboard',
          response: { 200: docSchema(systemSchema) },
        },
      },
      async (request): Promise<SystemStatus> => {
        const connected = !bus.nc.isClosed();
        const [rttMs, events, buckets, store] = await Promise.all([
          rtt(bus),
          streamState(bus, EVENTS_STREAM).catch((err: unknown) => {
            request.log.warn({ err }, 'event log state unavailable');
            return null;
          }),
          Promise.all(
            Object.values(BUCKETS).map(async (name) => {
              try {
                const status = await (await openBucket(bus, name)).status();
                return { bucket: name, values: status.values, bytes: status.size };
              } catch {
                return { bucket: name, values: 0, bytes: 0 };
              }
            }),
          ),
          recordings === 'nats-object-store'
            ? openRecordings(bus)
                .then((objects) => objects.status())
                .then(
                  (status) => ({ store: recordings, bytes: status.size }),
                  () => ({ store: recordings, bytes: null }),
                )
            : Promise.resolve({ store: recordings, bytes: null }),
        ]);
        const info = bus.nc.info;
        return {
          nats: {
            connected,
            server: connected ? bus.nc.getServer() : null,
            serverName: info?.server_name ?? null,
            version: info?.version ?? null,
            rttMs,
          },
          eventLog: events && {
            stream: events.name,
            messages: events.messages,
            bytes: events.bytes,
            consumers: events.consumers,
          },
          buckets,
          recordings: store,
          liveCalls: live.list().length,
          instances: instances.list(),
        };
      },
    );
    return Promise.resolve();
  };
}
