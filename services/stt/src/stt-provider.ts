import {
  createSarvamClient,
  FallbackStt,
  SarvamRealtimeStt,
  SarvamRestStt,
  SarvamStreamingStt,
  type SttProvider,
} from '@audexly/providers';
import type { Logger } from '@audexly/telemetry';
import type { SttConfig } from './config.js';

/** The STT provider calls use, or why there is none (every turn then fails with an error event). */
export type SttChoice = { provider: SttProvider } | { provider: null; reason: string };

/** Sarvam streaming (or realtime) STT with REST fallback, from SARVAM_API_KEY / SARVAM_BASE_URL / STT_SARVAM_ENDPOINT. */
export function sttProviderFromConfig(
  config: Pick<
    SttConfig,
    'SARVAM_API_KEY' | 'SARVAM_BASE_URL' | 'STT_FLUSH_TIMEOUT_MS' | 'STT_FLUSH_GRACE_MS' | 'STT_SARVAM_ENDPOINT'
  >,
  log: Logger,
): SttChoice {
  if (!config.SARVAM_API_KEY) {
    log.warn(
      'SARVAM_API_KEY is not set: speech-to-text is unavailable and every caller turn will fail with an error event',
    );
    return { provider: null, reason: 'speech-to-text is not configured (SARVAM_API_KEY is not set)' };
  }
  // REST is the fallback for one utterance: a short timeout, and the SDK's own retries (2, on 408/429/5xx).
  const client = createSarvamClient({
    apiKey: config.SARVAM_API_KEY,
    baseUrl: config.SARVAM_BASE_URL,
    timeoutMs: 15_000,
  });
  const flushGraceMs = config.STT_FLUSH_GRACE_MS;
  const live =
    config.STT_SARVAM_ENDPOINT === 'realtime'
      ? new SarvamRealtimeStt(client, { apiKey: config.SARVAM_API_KEY, flushGraceMs })
      : new SarvamStreamingStt(client, { flushGraceMs });
  log.info({ endpoint: config.STT_SARVAM_ENDPOINT, provider: live.name }, 'speech-to-text provider');
  return {
    provider: new FallbackStt(live, new SarvamRestStt(client), { flushTimeoutMs: config.STT_FLUSH_TIMEOUT_MS }),
  };
}
