import type { Bus } from '@audexly/bus';
import { openNatsRecordingStore } from './nats-recording-store.js';
import type { RecordingStore } from './recording-store.js';
import { s3RecordingStore } from './s3-recording-store.js';
import type { StorageConfig } from './storage-config.js';

/** The storage settings {@link createRecordingStore} reads (a service config that extends `storageSchema` has them). */
export type RecordingStoreConfig = Pick<
  StorageConfig,
  'S3_ENDPOINT' | 'S3_BUCKET' | 'S3_REGION' | 'S3_ACCESS_KEY_ID' | 'S3_SECRET_ACCESS_KEY' | 'S3_FORCE_PATH_STYLE'
> &
  Partial<Pick<StorageConfig, 'S3_KEY_PREFIX'>>;

/**
 * The recordings store the recorder writes and the api reads: S3-compatible storage when
 * `S3_BUCKET` is set, else the JetStream object store `recordings` on `bus`. Throws at start when
 * S3 is half configured (a bucket without credentials), naming the missing variables.
 */
export async function createRecordingStore(config: RecordingStoreConfig, bus: Bus): Promise<RecordingStore> {
  if (!config.S3_BUCKET) return openNatsRecordingStore(bus);
  const missing = (['S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY'] as const).filter((key) => !config[key]);
  if (missing.length > 0)
    throw new Error(`S3_BUCKET is set but ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not`);
  return s3RecordingStore({
    endpoint: config.S3_ENDPOINT,
    bucket: config.S3_BUCKET,
    region: config.S3_REGION,
    accessKeyId: config.S3_ACCESS_KEY_ID!,
    secretAccessKey: config.S3_SECRET_ACCESS_KEY!,
    forcePathStyle: config.S3_FORCE_PATH_STYLE,
    keyPrefix: config.S3_KEY_PREFIX,
  });
}
