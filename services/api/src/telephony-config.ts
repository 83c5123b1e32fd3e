import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { ExotelRegion, TelephonyView } from '@audexly/protocol/api';
import { TELEPHONY_TEXT_LIMITS } from './fields/limits.js';
import { PHONE_MAX_CHARS } from './fields/phone.js';
import type { SecretBox } from './secret-box.js';

export const EXOTEL_REGIONS = ['api.exotel.com', 'api.in.exotel.com'] as const satisfies readonly ExotelRegion[];

/** POST body of a telephony configuration (Exotel account credentials). */
export const telephonyInputSchema = z.object({
  name: z.string().trim().min(1).max(TELEPHONY_TEXT_LIMITS.name),
  provider: z.literal('exotel').default('exotel'),
  accountSid: z
    .string()
    .regex(
      new RegExp(`^[A-Za-z0-9_-]{1,${TELEPHONY_TEXT_LIMITS.accountSid}}$`),
      `must be an Exotel account SID: 1 to ${TELEPHONY_TEXT_LIMITS.accountSid} letters, digits, _ and -`,
    ),
  apiKey: z.string().min(4).max(TELEPHONY_TEXT_LIMITS.apiKey),
  apiToken: z.string().min(4).max(TELEPHONY_TEXT_LIMITS.apiToken),
  /** `api.exotel.com` (Singapore) or `api.in.exotel.com` (Mumbai). */
  region: z.enum(EXOTEL_REGIONS).default('api.exotel.com'),
  /** Default ExoPhone for outbound calls, any common format; stored as E.164. */
  callerId: z.string().min(1).max(PHONE_MAX_CHARS).nullable().optional(),
});

/** PUT/PATCH body: any subset; secrets left out stay as they are. */
export const telephonyUpdateSchema = telephonyInputSchema.partial();

const sealedSchema = z.object({ alg: z.literal('aes-256-gcm'), iv: z.string(), tag: z.string(), data: z.string() });

/** As the `telephony` bucket holds it: secrets sealed (AES-256-GCM), only the key's last 4 characters in clear. */
export const storedTelephonySchema = z.object({
  id: z.string(),
  name: z.string(),
  provider: z.literal('exotel'),
  accountSid: z.string(),
  region: z.enum(EXOTEL_REGIONS),
  callerId: z.string().nullable(),
  apiKeyLast4: z.string(),
  /** `{"apiKey","apiToken"}` sealed with the config id as associated data. */
  secrets: sealedSchema,
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type StoredTelephony = z.infer<typeof storedTelephonySchema>;

/** What the API returns: never a secret. */
export const telephonyViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  provider: z.literal('exotel'),
  accountSid: z.string(),
  region: z.enum(EXOTEL_REGIONS),
  callerId: z.string().nullable(),
  /** `…` and the key's last 4 characters. */
  apiKey: z.string(),
  hasApiToken: z.literal(true),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
}) satisfies z.ZodType<TelephonyView>;

export interface ExotelCredentials {
  apiKey: string;
  apiToken: string;
}

const credentialsSchema = z.object({ apiKey: z.string(), apiToken: z.string() });

export function newTelephonyId(): string {
  return `tc_${randomBytes(9).toString('base64url')}`;
}

export function sealTelephony(
  box: SecretBox,
  id: string,
  fields: Omit<StoredTelephony, 'id' | 'secrets' | 'apiKeyLast4'>,
  credentials: ExotelCredentials,
): StoredTelephony {
  return {
    id,
    ...fields,
    apiKeyLast4: credentials.apiKey.slice(-4),
    secrets: box.seal(JSON.stringify(credentials), `telephony:${id}`),
  };
}

/** Decrypts the credentials; throws when AUDEXLY_SECRET_KEY changed since they were stored. */
export function revealCredentials(box: SecretBox, config: StoredTelephony): ExotelCredentials {
  return credentialsSchema.parse(JSON.parse(box.open(config.secrets, `telephony:${config.id}`)));
}

export function viewTelephony(config: StoredTelephony): TelephonyView {
  const { id, name, provider, accountSid, region, callerId, createdAt, updatedAt } = config;
  return {
    id,
    name,
    provider,
    accountSid,
    region,
    callerId,
    apiKey: `…${config.apiKeyLast4}`,
    hasApiToken: true,
    createdAt,
    updatedAt,
  };
}
