import { randomUUID } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { createLogger } from '@audexly/telemetry';
import { connectBus, type Bus } from '../bus.js';

/** The NATS the tests use: `NATS_URL`, else the local default (CI starts one). */
export const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';

export function testBus(name = 'test'): Promise<Bus> {
  return connectBus({ servers: NATS_URL, name, log: createLogger({ service: name, level: 'silent' }) });
}

/** A call id no other test (or earlier run) uses. */
export function uniqueCallId(): string {
  return `t${randomUUID().replace(/-/g, '')}`;
}

/** Consumers `stream` holds whose filter names `callId` (the readers of a call's messages must leave none). */
export async function consumersOfCall(bus: Bus, stream: string, callId: string): Promise<number> {
  const listed = await (await jetstreamManager(bus.nc)).consumers.list(stream).next();
  return listed.filter((c) =>
    [c.config.filter_subject, ...(c.config.filter_subjects ?? [])].some((f) => f?.includes(callId)),
  ).length;
}
