import { Counter, Gauge, Histogram, LATENCY_BUCKETS_MS, type Registry } from '@audexly/telemetry';

/** The gateway's Prometheus metrics. */
export interface GatewayMetrics {
  activeCalls: Gauge;
  framesIn: Counter<'event'>;
  malformedFrames: Counter<'reason'>;
  lostFrames: Counter;
  reorderedFrames: Counter;
  chunksOut: Counter;
  lateChunks: Counter;
  callsEnded: Counter<'reason'>;
  claimMs: Histogram;
  voiceToVoiceMs: Histogram;
}

export function createGatewayMetrics(registry: Registry): GatewayMetrics {
  const registers = [registry];
  return {
    activeCalls: new Gauge({ name: 'audexly_gateway_active_calls', help: 'Exotel calls this gateway holds', registers }),
    framesIn: new Counter({ name: 'audexly_gateway_frames_in_total', help: 'Frames received from Exotel, by event', labelNames: ['event'], registers }),
    malformedFrames: new Counter({ name: 'audexly_gateway_malformed_frames_total', help: 'Frames from Exotel that could not be used', labelNames: ['reason'], registers }),
    lostFrames: new Counter({ name: 'audexly_gateway_lost_frames_total', help: 'Frames missing per sequence_number gaps', registers }),
    reorderedFrames: new Counter({ name: 'audexly_gateway_reordered_frames_total', help: 'Frames whose sequence_number went backwards or repeated', registers }),
    chunksOut: new Counter({ name: 'audexly_gateway_chunks_out_total', help: 'Audio chunks sent to Exotel', registers }),
    lateChunks: new Counter({ name: 'audexly_gateway_late_chunks_total', help: 'Audio chunks sent more than 20 ms after they were due', registers }),
    callsEnded: new Counter({ name: 'audexly_gateway_calls_ended_total', help: 'Calls ended, by reason', labelNames: ['reason'], registers }),
    claimMs: new Histogram({ name: 'audexly_gateway_claim_ms', help: 'Time to claim every stage for a call', buckets: LATENCY_BUCKETS_MS, registers }),
    voiceToVoiceMs: new Histogram({
      name: 'audexly_gateway_voice_to_voice_ms',
      help: 'End of caller speech to the first agent audio sent to Exotel',
      buckets: LATENCY_BUCKETS_MS,
      registers,
    }),
  };
}
