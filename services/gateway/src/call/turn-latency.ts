import type { AnyEvent } from '@audexly/protocol';
import { traceExemplar } from '@audexly/telemetry';
import type { GatewayMetrics } from '../metrics.js';

/**
 * Each stage's share of a turn, from the events the gateway publishes or receives for the call
 * (`audexly_turn_latency_ms{part}`); the voice-to-voice total is `AgentSpeech`'s.
 */
export function observeTurnLatency(metrics: Pick<GatewayMetrics, 'turnLatencyMs'>, event: AnyEvent): void {
  // Each observation carries the call's trace id as its exemplar (when tracing is on).
  const observe = (part: string, value: number) =>
    metrics.turnLatencyMs.observe({ labels: { part }, value, exemplarLabels: traceExemplar(event.callId) });
  switch (event.type) {
    case 'speech.final':
      observe('stt_final', Math.max(0, event.timelineMs - event.speechEndMs));
      observe('stt_provider', event.providerMs);
      return;
    case 'reply.done':
      if (event.providerFirstTokenMs !== null) observe('llm_first_token', event.providerFirstTokenMs);
      return;
    case 'playback.started':
      if (event.ttsProviderMs !== undefined) observe('tts_first_byte', event.ttsProviderMs);
      return;
    default:
      return;
  }
}
