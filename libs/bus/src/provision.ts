import {
  DiscardPolicy,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type JetStreamManager,
  type StreamConfig,
} from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { Objm, type ObjectStore } from '@nats-io/obj';
import { delay, subjectPatterns } from '@audexly/protocol';
import type { Bus } from './bus.js';

/** The JetStream stream that keeps every call's text events: the event log. */
export const EVENTS_STREAM = 'CALL_EVENTS';

/**
 * The JetStream stream that captures call audio durably (`call.*.audio.in`, `call.*.audio.sent` and
 * the recorders' `call.*.audio.fence`): the recorder assembles each recording from it at call end,
 * so a recorder that restarts mid-call loses nothing. Limits retention on file storage; a call's
 * audio is purged once its recording is stored, and `max_age` bounds what is left behind.
 */
export const AUDIO_STREAM = 'CALL_AUDIO';

/** Largest audio message the capture stream keeps (chunks are ~100–200 ms, a few KiB to 64 KiB). */
export const AUDIO_MAX_MSG_BYTES = 1024 * 1024;

/** Key-value buckets of the control plane and the call records. */
export const BUCKETS = {
  agents: 'agents',
  numbers: 'numbers',
  telephony: 'telephony',
  calls: 'calls',
  /** Transfer decisions by call id: the gateway writes them, Exotel's Connect applet reads them. */
  transfers: 'transfers',
  /** Stream outcomes Exotel's Passthru applet reported, by call id (merged into call records). */
  passthru: 'passthru',
  /** Calls placed through the API's outbound endpoint, by call id (toCallId of Exotel's Call Sid). */
  outbound: 'outbound',
} as const;
export type BucketName = (typeof BUCKETS)[keyof typeof BUCKETS];

/** Object store for recordings (the default store; S3 when configured). */
export const RECORDINGS_STORE = 'recordings';

export interface ProvisionOptions {
  /**
   * How long call events stay in the event log. When absent, a new log gets 30 days and an
   * existing one keeps its setting (the recorder sets it to `RETENTION_DAYS`; see `applyRetention`).
   */
  eventsMaxAgeDays?: number;
  /** How long captured audio a recorder never purged stays in `CALL_AUDIO`; 48 hours by default. */
  audioMaxAgeHours?: number;
  /**
   * How many servers of a NATS cluster keep each stream, bucket and the object store (1 by
   * default; 3 on a three-node cluster, so a call survives losing any one server). Existing
   * streams, buckets and the object store are scaled to it.
   */
  replicas?: number;
}

const HOUR_NS = 60 * 60 * 1e9;
const DAY_NS = 24 * HOUR_NS;

/**
 * Creates what Audexly keeps in JetStream, or brings it up to date: safe to call from every
 * service at every start, concurrently.
 */
export async function provisionJetStream(bus: Bus, options: ProvisionOptions = {}): Promise<void> {
  const jsm = await whileClusterSettles(() => jetstreamManager(bus.nc));
  const replicas = options.replicas ?? 1;
  const events: Partial<StreamConfig> & { name: string } = {
    name: EVENTS_STREAM,
    subjects: [subjectPatterns.events],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    max_age: (options.eventsMaxAgeDays ?? 30) * DAY_NS,
    duplicate_window: 2 * 60 * 1e9,
    num_replicas: replicas,
  };
  await ensureStream(jsm, events, options.eventsMaxAgeDays === undefined ? ['max_age'] : []);
  await ensureStream(jsm, {
    name: AUDIO_STREAM,
    subjects: [...subjectPatterns.capturedAudio],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    max_age: (options.audioMaxAgeHours ?? 48) * HOUR_NS,
    max_msg_size: AUDIO_MAX_MSG_BYTES,
    discard: DiscardPolicy.Old,
    duplicate_window: 2 * 60 * 1e9,
    num_replicas: replicas,
  });
  const kvm = new Kvm(bus.nc);
  for (const bucket of Object.values(BUCKETS)) {
    await whileClusterSettles(() => kvm.create(bucket, { history: 1, replicas }));
    await scaleStream(jsm, `KV_${bucket}`, replicas);
  }
  await whileClusterSettles(() => new Objm(bus.nc).create(RECORDINGS_STORE, { storage: StorageType.File, replicas }));
  await scaleStream(jsm, `OBJ_${RECORDINGS_STORE}`, replicas);
}

/**
 * Creates a stream, or updates an existing one to `config`, except for the settings named in
 * `keep`, which an existing stream keeps (they are owned by someone else, e.g. retention).
 */
async function ensureStream(
  jsm: JetStreamManager,
  config: Partial<StreamConfig> & { name: string },
  keep: readonly (keyof StreamConfig)[] = [],
): Promise<void> {
  await whileClusterSettles(async () => {
    const info = await jsm.streams.info(config.name).catch(() => undefined);
    if (!info) {
      try {
        await jsm.streams.add(config);
        return;
      } catch (err) {
        // Another service created it meanwhile: update it below (on the next attempt).
        if (await jsm.streams.info(config.name).catch(() => undefined)) throw new SettlingError(err);
        throw err;
      }
    }
    const update: Partial<StreamConfig> = { ...info.config, ...config };
    for (const key of keep) Object.assign(update, { [key]: info.config[key] });
    // Every service provisions at start: most find the stream as it should be.
    if (JSON.stringify(update) === JSON.stringify({ ...info.config })) return;
    await jsm.streams.update(config.name, update);
  });
}

/** A bucket made before the platform moved to a cluster keeps its replicas: scale its stream. */
async function scaleStream(jsm: JetStreamManager, name: string, replicas: number): Promise<void> {
  await whileClusterSettles(async () => {
    const info = await jsm.streams.info(name);
    if (info.config.num_replicas !== replicas)
      await jsm.streams.update(name, { ...info.config, num_replicas: replicas });
  });
}

/** A provisioning step another service's concurrent step got in the way of: try again. */
class SettlingError extends Error {
  constructor(cause: unknown) {
    super('provisioning raced another service', { cause });
  }
}

/**
 * Runs a JetStream step, again while a NATS cluster is still electing its leaders: requests time
 * out or JetStream answers "temporarily unavailable" (or "no responders") for a few seconds after
 * a cluster forms or loses a node. By default up to 8 times, 250 ms apart (provisioning at start).
 */
export async function whileClusterSettles<T>(
  step: () => Promise<T>,
  options: { attempts?: number; delayMs?: number } = {},
): Promise<T> {
  const attempts = options.attempts ?? 8;
  for (let attempt = 1; ; attempt++) {
    try {
      return await step();
    } catch (err) {
      const text = String((err as Error)?.message ?? err);
      const settling = err instanceof SettlingError || /timeout|temporarily unavailable|no responders|503/i.test(text);
      if (!settling || attempt >= attempts) throw err;
      await delay(options.delayMs ?? 250);
    }
  }
}

/** Opens a provisioned key-value bucket. */
export function openBucket(bus: Bus, name: BucketName): Promise<KV> {
  return new Kvm(bus.nc).open(name);
}

/** Opens the recordings object store (or, for tests, another object store named `bucket`). */
export function openRecordings(bus: Bus, bucket: string = RECORDINGS_STORE): Promise<ObjectStore> {
  return new Objm(bus.nc).open(bucket);
}
