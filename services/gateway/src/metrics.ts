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
  /** Lateness of paced chunks (sent after they were due), ms. */
  chunkLatenessMs: Histogram;
  /** Largest chunk lateness since the gateway started, ms (the capacity benchmark's criterion). */
  maxChunkLatenessMs: Gauge;
  /** Connections closed for breaking a limit, by limit. */
  limitCloses: Counter<'limit'>;
  /** Upgrades refused before the WebSocket opened, by HTTP status. */
  refusedUpgrades: Counter<'status'>;
  unknownEvents: Counter;
  unknownKeys: Counter;
  /**
   * Silences heard inside agent speech (a chunk of a segment sent after the audio before it had
   * played), by cause: `late_audio` (nothing was queued: TTS audio came late) or `late_send` (the
   * pacer sent it late).
   */
  playoutGaps: Counter<'cause'>;
  playoutGapMs: Histogram;
  /** Counts one chunk sent `lateByMs` after it was due, after `gapMs` of silence inside its segment. */
  observeChunk(chunk: { lateByMs: number; gapMs: number }): void;
  callsEnded: Counter<'reason'>;
  claimMs: Histogram;
  voiceToVoiceMs: Histogram;
  /**
   * Each stage's share of a turn, ms, from the events the gateway sees (`part`: `stt_final` end of
   * speech → final transcript, `stt_provider`, `llm_first_token`, `tts_first_byte`).
   */
  turnLatencyMs: Histogram<'part'>;
  /** Claims no instance of a stage answered (no capacity), by stage. */
  claimsRefused: Counter<'stage'>;
  /** Failover re-claims of a stage for a live call, by stage and outcome (`moved`, `same-instance`, `failed`). */
  reclaims: Counter<'stage' | 'outcome'>;
  /** Last heartbeat seen from the lost instance → re-claim answered, ms, by stage. */
  failoverMs: Histogram<'stage'>;
}

export function createGatewayMetrics(registry: Registry): GatewayMetrics {
  const registers = [registry];
  const chunksOut = new Counter({
    name: 'audexly_gateway_chunks_out_total',
    help: 'Audio chunks sent to Exotel',
    registers,
  });
  const lateChunks = new Counter({
    name: 'audexly_gateway_late_chunks_total',
    help: 'Audio chunks sent more than 20 ms after they were due',
    registers,
  });
  const chunkLatenessMs = new Histogram({
    name: 'audexly_gateway_chunk_lateness_ms',
    help: 'How late paced chunks went out',
    buckets: [1, 2, 5, 10, 20, 50, 100, 250],
    registers,
  });
  const maxChunkLatenessMs = new Gauge({
    name: 'audexly_gateway_chunk_lateness_max_ms',
    help: 'Largest chunk lateness since start',
    registers,
  });
  const playoutGaps = new Counter({
    name: 'audexly_gateway_playout_gaps_total',
    help: 'Silences heard inside agent speech, by cause (late_audio: TTS audio came late; late_send: sent late)',
    labelNames: ['cause'],
    registers,
  });
  const playoutGapMs = new Histogram({
    name: 'audexly_gateway_playout_gap_ms',
    help: 'How long the silences heard inside agent speech lasted',
    buckets: [5, 10, 20, 50, 100, 250, 1000],
    registers,
  });
  let maxLateness = 0;
  return {
    chunksOut,
    lateChunks,
    chunkLatenessMs,
    maxChunkLatenessMs,
    playoutGaps,
    playoutGapMs,
    limitCloses: new Counter({
      name: 'audexly_gateway_limit_closes_total',
      help: 'Connections closed for breaking a limit',
      labelNames: ['limit'],
      registers,
    }),
    refusedUpgrades: new Counter({
      name: 'audexly_gateway_refused_upgrades_total',
      help: 'Stream upgrades refused, by HTTP status',
      labelNames: ['status'],
      registers,
    }),
    unknownKeys: new Counter({
      name: 'audexly_gateway_unknown_keys_total',
      help: 'Keys in Exotel frames we do not know (ignored)',
      registers,
    }),
    unknownEvents: new Counter({
      name: 'audexly_gateway_unknown_events_total',
      help: 'Exotel events we do not know (ignored)',
      registers,
    }),
    observeChunk({ lateByMs, gapMs }) {
      chunksOut.inc();
      if (gapMs > 0) {
        playoutGaps.inc({ cause: lateByMs > 0 ? 'late_send' : 'late_audio' });
        playoutGapMs.observe(gapMs);
      }
      if (lateByMs <= 0) return;
      chunkLatenessMs.observe(lateByMs);
      if (lateByMs > 20) lateChunks.inc();
      if (lateByMs > maxLateness) {
        maxLateness = lateByMs;
        maxChunkLatenessMs.set(lateByMs);
      }
    },
    activeCalls: new Gauge({
      name: 'audexly_gateway_active_calls',
      help: 'Exotel calls this gateway holds',
      registers,
    }),
    framesIn: new Counter({
      name: 'audexly_gateway_frames_in_total',
      help: 'Frames received from Exotel, by event',
      labelNames: ['event'],
      registers,
    }),
    malformedFrames: new Counter({
      name: 'audexly_gateway_malformed_frames_total',
      help: 'Frames from Exotel that could not be used',
      labelNames: ['reason'],
      registers,
    }),
    lostFrames: new Counter({
      name: 'audexly_gateway_lost_frames_total',
      help: 'Frames missing per sequence_number gaps',
      registers,
    }),
    reorderedFrames: new Counter({
      name: 'audexly_gateway_reordered_frames_total',
      help: 'Frames whose sequence_number went backwards or repeated',
      registers,
    }),
    callsEnded: new Counter({
      name: 'audexly_gateway_calls_ended_total',
      help: 'Calls ended, by reason',
      labelNames: ['reason'],
      registers,
    }),
    reclaims: new Counter({
      name: 'audexly_gateway_reclaims_total',
      help: 'Stages re-claimed for live calls after their instance was lost',
      labelNames: ['stage', 'outcome'],
      registers,
    }),
    failoverMs: new Histogram({
      name: 'audexly_gateway_failover_ms',
      help: 'Last heartbeat seen from a lost stage instance to the re-claim answered',
      labelNames: ['stage'],
      buckets: [250, 500, 750, 1000, 1250, 1500, 2000, 3000, 5000],
      registers,
    }),
    claimMs: new Histogram({
      name: 'audexly_gateway_claim_ms',
      help: 'Time to claim every stage for a call',
      buckets: LATENCY_BUCKETS_MS,
      registers,
    }),
    voiceToVoiceMs: new Histogram({
      name: 'audexly_gateway_voice_to_voice_ms',
      help: 'End of caller speech to the first agent audio sent to Exotel',
      buckets: LATENCY_BUCKETS_MS,
      enableExemplars: true,
      registers,
    }),
    turnLatencyMs: new Histogram({
      name: 'audexly_turn_latency_ms',
      help: "Each stage's share of a turn: stt_final (end of speech to final transcript), stt_provider, llm_first_token, tts_first_byte",
      labelNames: ['part'],
      buckets: LATENCY_BUCKETS_MS,
      enableExemplars: true,
      registers,
    }),
    claimsRefused: new Counter({
      name: 'audexly_gateway_claims_refused_total',
      help: 'Stage claims no instance answered (no capacity), by stage',
      labelNames: ['stage'],
      registers,
    }),
  };
}
