import { z } from 'zod';
import { env } from '@audexly/config';

/**
 * The storage variables, for a service schema to extend (`stageSchema(…).extend(storageSchema.shape)`).
 * Recordings go to the JetStream object store unless `S3_BUCKET` is set; then all of `S3_*` but
 * `S3_ENDPOINT` (AWS S3 by region) and `S3_FORCE_PATH_STYLE` must be set.
 */
export const storageSchema = z.object({
  S3_ENDPOINT: z
    .string()
    .optional()
    .describe('S3-compatible endpoint, e.g. http://minio:9000 (absent: AWS S3 of S3_REGION)'),
  S3_BUCKET: z
    .string()
    .optional()
    .describe('bucket for recordings; when set, recordings go to S3 instead of the JetStream object store'),
  S3_REGION: z.string().default('us-east-1').describe('S3 region (MinIO accepts us-east-1)'),
  S3_ACCESS_KEY_ID: z.string().optional().describe('S3 access key id'),
  S3_SECRET_ACCESS_KEY: z.string().optional().describe('S3 secret access key (never logged)'),
  S3_FORCE_PATH_STYLE: env.bool(false).describe('path-style URLs (endpoint/bucket/key), as MinIO needs'),
  S3_KEY_PREFIX: z.string().default('').describe('prefix of every recording key in the bucket'),
  RETENTION_DAYS: z.coerce
    .number()
    .positive()
    .default(90)
    .describe('recordings, call records and transcripts expire after this many days'),
});
export type StorageConfig = z.infer<typeof storageSchema>;
