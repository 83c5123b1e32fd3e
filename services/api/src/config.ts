import { z } from 'zod';
import { commonSchema, env, loadConfig } from '@audexly/config';
import { storageSchema } from '@audexly/storage';

/** The API's environment (see docs/architecture.md, "Configuration contract"). */
export const apiSchema = commonSchema
  .extend({
    NODE_ENV: z
      .string()
      .default('development')
      .describe('production requires AUDEXLY_API_TOKEN and AUDEXLY_SECRET_KEY'),
    API_PORT: env.port(3010).describe('control plane API and dashboard port'),
    API_HOST: env
      .host('0.0.0.0')
      .describe(
        'listen address of the API and dashboard: every interface by default (operators, and Exotel for status callbacks, must reach it; keep it behind your own access control); 127.0.0.1 keeps it on the machine',
      ),
    AUDEXLY_API_TOKEN: env
      .secret()
      .optional()
      .describe('bearer token every API call must send; the API is open when unset (development only)'),
    AUDEXLY_SECRET_KEY: env
      .secret()
      .optional()
      .describe(
        'encrypts telephony secrets at rest and signs capability tokens; without it telephony configs and outbound calls are unavailable',
      ),
    JAEGER_UI_URL: env
      .url()
      .optional()
      .describe(
        "Jaeger's UI as operators reach it (http://localhost:16686): the dashboard links each call and turn to its trace",
      ),
    PUBLIC_URL: env
      .url()
      .optional()
      .describe('how Exotel reaches the gateway: outbound StreamUrls are built from it (http→ws, https→wss)'),
    API_PUBLIC_URL: env
      .url()
      .optional()
      .describe('how Exotel reaches this API (status callbacks); defaults to PUBLIC_URL'),
    EXOTEL_API_BASE_URL: env
      .url()
      .optional()
      .describe("Exotel REST base URL override (tests); default https://<the config's region>"),
    EXOTEL_TIMEOUT_MS: env.int(10_000).describe('how long a request to Exotel may take'),
    OUTBOUND_STREAM_TOKEN_TTL_S: z.coerce
      .number()
      .int()
      .min(60)
      .max(3600)
      .default(300)
      .describe(
        "lifetime of the token in an outbound call's StreamUrl, s: from placing the call until Exotel opens the stream (queueing, the customer's phone ringing, one handshake retry); a call answered later is refused by the gateway",
      ),
    // Where recordings are read from: the JetStream object store, or S3 when S3_BUCKET is set.
    ...storageSchema.shape,
  })
  .superRefine((config, ctx) => {
    if (config.NODE_ENV !== 'production') return;
    for (const key of ['AUDEXLY_API_TOKEN', 'AUDEXLY_SECRET_KEY'] as const) {
      if (config[key] === undefined)
        ctx.addIssue({ code: 'custom', path: [key], message: `${key} is required when NODE_ENV=production` });
    }
  });

export type ApiConfig = ReturnType<typeof loadApiConfig>;

export function loadApiConfig(vars: Record<string, string | undefined>) {
  return loadConfig(apiSchema, vars);
}
