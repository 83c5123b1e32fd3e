import { jetstreamManager } from '@nats-io/jetstream';
import type { Bus } from './bus.js';
import { BUCKETS, EVENTS_STREAM, RECORDINGS_STORE, whileClusterSettles } from './provision.js';

export interface RetentionOptions {
  /** Days after which call records, call events (transcripts) and recordings expire. */
  days: number;
}

/** The JetStream streams behind what expires: the event log, the `calls` bucket, the recordings store. */
export const RETAINED_STREAMS = [EVENTS_STREAM, `KV_${BUCKETS.calls}`, `OBJ_${RECORDINGS_STORE}`] as const;

/**
 * Makes call data expire after `days`: sets `max_age` of the event log (transcripts), the `calls`
 * KV bucket (call records) and the `recordings` object store, so the server deletes them itself
 * (bucket-level TTL, which NATS 2.9 supports). Idempotent; `provisionJetStream` leaves these
 * settings alone once made. A record or recording written again (e.g. updated by the api) lives
 * `days` from its last write.
 */
export async function applyRetention(bus: Bus, options: RetentionOptions): Promise<void> {
  if (!(options.days > 0)) throw new RangeError(`retention must be a positive number of days, got ${options.days}`);
  const maxAge = Math.round(options.days * 24 * 60 * 60 * 1e9);
  const jsm = await jetstreamManager(bus.nc);
  for (const name of RETAINED_STREAMS) {
    await whileClusterSettles(async () => {
      const info = await jsm.streams.info(name);
      if (info.config.max_age !== maxAge) await jsm.streams.update(name, { ...info.config, max_age: maxAge });
    });
  }
}
