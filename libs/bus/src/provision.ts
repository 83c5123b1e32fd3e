import { jetstreamManager, RetentionPolicy, StorageType, type StreamConfig } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { Objm, type ObjectStore } from '@nats-io/obj';
import { subjectPatterns } from '@audexly/protocol';
import type { Bus } from './bus.js';

/** The JetStream stream that keeps every call's text events: the event log. */
export const EVENTS_STREAM = 'CALL_EVENTS';

/** Key-value buckets of the control plane and the call records. */
export const BUCKETS = {
  agents: 'agents',
  numbers: 'numbers',
  telephony: 'telephony',
  calls: 'calls',
} as const;
export type BucketName = (typeof BUCKETS)[keyof typeof BUCKETS];

/** Object store for recordings (the default store; S3 when configured). */
export const RECORDINGS_STORE = 'recordings';

export interface ProvisionOptions {
  /** How long call events stay in the event log. */
  eventsMaxAgeDays?: number;
}

const DAY_NS = 24 * 60 * 60 * 1e9;

/**
 * Creates what Audexly keeps in JetStream, or brings it up to date: safe to call from every
 * service at every start, concurrently.
 */
export async function provisionJetStream(bus: Bus, options: ProvisionOptions = {}): Promise<void> {
  const jsm = await jetstreamManager(bus.nc);
  const config: Partial<StreamConfig> & { name: string } = {
    name: EVENTS_STREAM,
    subjects: [subjectPatterns.events],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    max_age: (options.eventsMaxAgeDays ?? 30) * DAY_NS,
    duplicate_window: 2 * 60 * 1e9,
  };
  try {
    await jsm.streams.add(config);
  } catch (err) {
    // Exists already (perhaps with other settings): update it to ours.
    const info = await jsm.streams.info(EVENTS_STREAM).catch(() => undefined);
    if (!info) throw err;
    await jsm.streams.update(EVENTS_STREAM, { ...info.config, ...config });
  }
  const kvm = new Kvm(bus.nc);
  for (const bucket of Object.values(BUCKETS)) await kvm.create(bucket, { history: 1 });
  await new Objm(bus.nc).create(RECORDINGS_STORE, { storage: StorageType.File });
}

/** Opens a provisioned key-value bucket. */
export function openBucket(bus: Bus, name: BucketName): Promise<KV> {
  return new Kvm(bus.nc).open(name);
}

/** Opens the recordings object store. */
export function openRecordings(bus: Bus): Promise<ObjectStore> {
  return new Objm(bus.nc).open(RECORDINGS_STORE);
}
