import { z } from 'zod';
import { commonSchema, env, loadConfig } from '@audexly/config';

/** The gateway's environment. */
export const gatewaySchema = commonSchema.extend({
  GATEWAY_PORT: env.port(8000).describe('HTTP and Exotel WebSocket port'),
  GATEWAY_HOST: z.string().default('0.0.0.0').describe('listen address'),
  DRAIN_TIMEOUT_MS: env.int(60_000).describe('on SIGTERM, how long live calls may continue'),
  INSTANCE_ID: z.string().optional().describe('instance name in logs and the NATS connection'),
  CLAIM_TIMEOUT_MS: env.int(2000).describe('per attempt, for each stage claim'),
  CHUNK_MS: env.int(100).describe('size of audio chunks sent to Exotel while audio flows, ms'),
  CHUNK_MIN_MS: env.int(100).describe('shortest chunk (padded segment tails), ms'),
  CHUNK_MAX_MS: env.int(200).describe('longest chunk, ms'),
  PLAYOUT_LEAD_MS: env.int(250).describe('most agent audio sent ahead of playback, ms'),
  HANGUP_TIMEOUT_MS: env.int(15_000).describe('after control.hangup, longest wait for the last marks'),
  PRESTART_BUFFER_MS: env.int(10_000).describe('caller audio kept while the stages are claimed, ms'),
  BARGE_IN: env.bool(true).describe('interrupt the agent when the caller starts speaking over it'),
  AGENT_FILE: z.string().optional().describe('JSON file with the default agent (agentConfigSchema)'),
  AGENT_PROMPT: z.string().optional().describe('system prompt of the built-in default agent'),
  AGENT_GREETING: z.string().optional().describe('greeting of the built-in default agent'),
  AGENT_LANGUAGE: z.string().optional().describe('language of the built-in default agent (en-IN, hi-IN, …)'),
});
export type GatewayConfig = z.infer<typeof gatewaySchema>;

export function loadGatewayConfig(source: Record<string, string | undefined>): Readonly<GatewayConfig> {
  return loadConfig(gatewaySchema, source);
}
