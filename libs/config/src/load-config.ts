import { isIP } from 'node:net';
import { z } from 'zod';

/** Raised when the environment does not satisfy a service's schema; lists every problem at once. */
export class ConfigError extends Error {
  readonly issues: string[];
  constructor(issues: string[]) {
    super(`invalid configuration:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

/**
 * Validates `env` against `schema` (keys are the variable names), fails fast with one error that
 * lists every problem, and returns a frozen result. Libraries never read `process.env`: each
 * service's main passes it here once.
 */
export function loadConfig<S extends z.ZodObject>(
  schema: S,
  env: Record<string, string | undefined>,
): Readonly<z.infer<S>> {
  // Empty strings mean "unset", as they do in compose files and shells.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`));
  }
  return Object.freeze(result.data);
}

/** RFC 1123 host names (letters, digits, hyphens; dot-separated labels). */
const HOST_NAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** Common variable types, with coercion from strings. */
export const env = {
  port: (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback),
  int: (fallback: number) => z.coerce.number().int().default(fallback),
  number: (fallback: number) => z.coerce.number().default(fallback),
  bool: (fallback: boolean) =>
    z
      .enum(['true', 'false', '1', '0', 'yes', 'no'])
      .transform((v) => v === 'true' || v === '1' || v === 'yes')
      .default(fallback),
  url: () => z.url(),
  secret: () => z.string().min(1),
  /** A listen address: an IPv4 or IPv6 address (`0.0.0.0`, `::`, `127.0.0.1`) or a host name (`localhost`). */
  host: (fallback: string) =>
    z
      .string()
      .refine(
        (v) => isIP(v) !== 0 || HOST_NAME.test(v),
        'must be an IP address (0.0.0.0, 127.0.0.1, ::) or a host name',
      )
      .default(fallback),
  logLevel: () => z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
} as const;

/** Variables every service shares (see docs/architecture.md, "Configuration contract"). */
export const commonSchema = z.object({
  NATS_URL: z.string().default('nats://127.0.0.1:4222').describe('NATS server(s), comma separated'),
  JETSTREAM_REPLICAS: z.coerce
    .number()
    .int()
    .min(1)
    .max(5)
    .default(1)
    .describe('replicas of the event log, call audio, KV buckets and recordings store (3 on a NATS cluster)'),
  LOG_LEVEL: env.logLevel().describe('pino level'),
  /** Redact `pii.*` fields in logs (caller numbers, transcripts, prompts, DTMF). */
  LOG_PII: env.bool(false).describe('log pii.* fields unredacted (never in production)'),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.string().optional().describe('OTLP endpoint; traces are off when unset'),
  OTEL_SERVICE_NAME: z.string().optional().describe('service name on traces (default audexly-<service>)'),
});

/** Provider credentials: each stage takes what it needs. */
export const sarvamSchema = z.object({
  SARVAM_API_KEY: z.string().optional().describe('Sarvam API subscription key'),
  SARVAM_BASE_URL: z.string().default('https://api.sarvam.ai').describe('Sarvam endpoint'),
});
export const openAiSchema = z.object({
  OPENAI_API_KEY: z.string().optional().describe('OpenAI (or compatible) API key'),
  OPENAI_BASE_URL: z.string().default('https://api.openai.com/v1').describe('OpenAI-compatible endpoint'),
});
