import { STT_MODES } from './validate-stt.js';
import type { SttRealtimeSettings } from './validate-stt-realtime.js';
import { realtimeLanguageProblem, realtimeNumber, STT_REALTIME_ENDPOINTING } from './validate-stt-realtime.js';

/**
 * Why a realtime `{"event":"config.update", …}` is refused (SDK `RealtimeConfigUpdate`), or `null`.
 * Sarvam answers a refused value with a non-fatal `invalid_config` error and keeps the previous
 * config; "changing `stream_type` to/from `simulated` is rejected". Keys the SDK type does not have
 * are ignored.
 */
export function configUpdateProblem(update: Record<string, unknown>, settings: SttRealtimeSettings): string | null {
  const { language_code, prompt, mode, stream_type, endpointing } = update;
  if (language_code !== undefined) {
    if (typeof language_code !== 'string') return 'language_code must be a string';
    const problem = realtimeLanguageProblem(language_code);
    if (problem) return problem;
  }
  if (prompt !== undefined && typeof prompt !== 'string') return 'prompt must be a string';
  if (mode !== undefined && !(STT_MODES as readonly unknown[]).includes(mode))
    return `mode ${JSON.stringify(mode)} is not supported; use one of ${STT_MODES.join(', ')}`;
  if (stream_type !== undefined) {
    if (stream_type !== settings.streamType && (stream_type === 'simulated' || settings.streamType === 'simulated'))
      return 'stream_type cannot be changed to or from simulated';
    if (!['fast', 'balanced', 'simulated'].includes(stream_type as string))
      return `stream_type ${JSON.stringify(stream_type)} is not supported; use fast or balanced`;
  }
  if (endpointing !== undefined && !(STT_REALTIME_ENDPOINTING as readonly unknown[]).includes(endpointing))
    return `endpointing ${JSON.stringify(endpointing)} is not supported; use one of ${STT_REALTIME_ENDPOINTING.join(', ')}`;
  for (const name of ['threshold', 'silence_duration_ms', 'min_speech_duration_ms'] as const) {
    const value = update[name];
    if (value === undefined) continue;
    if (typeof value !== 'number') return `${name} must be a number`;
    const checked = realtimeNumber(name, value);
    if (!checked.ok) return checked.message;
  }
  return null;
}
