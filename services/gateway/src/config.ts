import { z } from 'zod';
import { commonSchema, env, loadConfig } from '@audexly/config';

/** The gateway's environment. */
export const gatewaySchema = commonSchema.extend({
  GATEWAY_PORT: env.port(8000).describe('HTTP and Exotel WebSocket port'),
  GATEWAY_HOST: env
    .host('0.0.0.0')
    .describe(
      'listen address: every interface by default, since Exotel (through your TLS proxy or load balancer) must reach the stream and telephony endpoints; 127.0.0.1 when the proxy runs on the same machine',
    ),
  DRAIN_TIMEOUT_MS: env.int(60_000).describe('on SIGTERM, how long live calls may continue'),
  INSTANCE_ID: z.string().optional().describe('instance name in logs and the NATS connection'),
  CLAIM_TIMEOUT_MS: env.int(2000).describe('per attempt, for each stage claim'),
  CLAIM_SUBJECT_PREFIX: z
    .string()
    .optional()
    .describe(
      'claim stages on `<prefix>.<stage>.claim` instead of `svc.<stage>.claim` (isolated test runs only; stages take the same variable)',
    ),
  FAILOVER: env.bool(true).describe('re-claim a stage for live calls when its instance stops heartbeating'),
  CHUNK_MS: env.int(100).describe('size of audio chunks sent to Exotel while audio flows, ms'),
  CHUNK_MIN_MS: env.int(100).describe('shortest chunk (padded segment tails), ms'),
  CHUNK_MAX_MS: env.int(200).describe('longest chunk, ms'),
  PLAYOUT_LEAD_MS: env.int(250).describe('most agent audio sent ahead of playback, ms'),
  PACER_TICK_MS: env
    .int(5)
    .describe('granularity of the one pacing timer all calls share, ms (chunks go out at most this early)'),
  HANGUP_TIMEOUT_MS: env.int(15_000).describe('after control.hangup, longest wait for the last marks'),
  PRESTART_BUFFER_MS: env.int(10_000).describe('caller audio kept while the stages are claimed, ms'),
  AUDIO_HOLD_MS: env
    .int(15_000)
    .describe(
      "during a NATS outage, how much of each call's audio is held to be delivered when NATS is back (ms); beyond it the oldest is dropped and the gap recorded",
    ),
  BARGE_IN: env.bool(true).describe('interrupt the agent when the caller starts speaking over it'),
  MAX_CALLS: env.int(1000).describe('most concurrent calls; more are closed with 1013 (try again later)'),
  MAX_MESSAGES_PER_S: env
    .int(50)
    .describe('most inbound WebSocket messages per second per call (Exotel sends ~10); more → close 1008'),
  MAX_FRAME_BYTES: env.int(64 * 1024).describe('largest inbound WebSocket message; larger → close 1009'),
  PUBLIC_URL: z
    .string()
    .optional()
    .describe('public base URL of the gateway (https://host); the dynamic Voicebot URL points at its host'),
  EXOTEL_STREAM_BASIC_AUTH: z
    .string()
    .optional()
    .describe('user:pass Exotel sends as HTTP Basic (put user:pass@ in the applet URL); secret'),
  EXOTEL_STREAM_TOKEN: z
    .string()
    .min(16)
    .optional()
    .describe('static token accepted as the last path segment or ?token= (16+ chars); secret'),
  AUDEXLY_SECRET_KEY: z
    .string()
    .min(16)
    .optional()
    .describe('signs per-call stream tokens minted by the dynamic Voicebot URL; secret'),
  STREAM_TOKEN_TTL_S: env.int(300).describe('lifetime of a per-call stream token, s'),
  EXOTEL_IP_ALLOWLIST: z.string().optional().describe('comma-separated CIDRs allowed to reach the Exotel endpoints'),
  TRUST_PROXY: env.bool(false).describe('take the client address from X-Forwarded-For (last entry) for the allowlist'),
  AGENT_CACHE_MS: env.int(5000).describe('how long agent lookups by dialled number are cached, ms'),
  AGENT_FILE: z.string().optional().describe('JSON file with the default agent (agentConfigSchema)'),
  AGENT_PROMPT: z.string().optional().describe('system prompt of the built-in default agent'),
  AGENT_GREETING: z.string().optional().describe('greeting of the built-in default agent'),
  AGENT_LANGUAGE: z.string().optional().describe('language of the built-in default agent (en-IN, hi-IN, …)'),
});
export type GatewayConfig = z.infer<typeof gatewaySchema>;

export function loadGatewayConfig(source: Record<string, string | undefined>): Readonly<GatewayConfig> {
  return loadConfig(gatewaySchema, source);
}
