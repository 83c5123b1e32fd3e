import {
  createSarvamClient,
  FallbackTts,
  SarvamRestTts,
  SarvamStreamingTts,
  type TtsProvider,
} from '@audexly/providers';
import type { Logger } from '@audexly/telemetry';
import type { TtsServiceConfig } from './config.js';

/** The TTS provider calls use, or why there is none (every turn then fails with an error event). */
export type TtsChoice = { provider: TtsProvider } | { provider: null; reason: string };

/** Sarvam TTS from SARVAM_API_KEY / SARVAM_BASE_URL: streaming by default, falling back to REST per call when its socket fails. */
export function ttsProviderFromConfig(
  config: Pick<TtsServiceConfig, 'SARVAM_API_KEY' | 'SARVAM_BASE_URL' | 'TTS_STREAMING' | 'TTS_REST_FALLBACK'>,
  log: Logger,
): TtsChoice {
  if (!config.SARVAM_API_KEY) {
    log.warn(
      'SARVAM_API_KEY is not set: text-to-speech is unavailable and every agent turn will fail with an error event',
    );
    return { provider: null, reason: 'text-to-speech is not configured (SARVAM_API_KEY is not set)' };
  }
  const client = createSarvamClient({ apiKey: config.SARVAM_API_KEY, baseUrl: config.SARVAM_BASE_URL });
  if (!config.TTS_STREAMING) return { provider: new SarvamRestTts(client) };
  if (!config.TTS_REST_FALLBACK) return { provider: new SarvamStreamingTts(client) };
  const onFallback = (err: unknown) => log.warn({ err }, 'Sarvam TTS socket failed: this call continues over REST');
  return { provider: new FallbackTts(new SarvamStreamingTts(client), new SarvamRestTts(client), onFallback) };
}
