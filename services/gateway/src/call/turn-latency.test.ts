import { afterEach, describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION, type AnyEvent } from '@audexly/protocol';
import { callTraceId, createMetricsRegistry } from '@audexly/telemetry';
import { captureSpans, type SpanCapture } from '@audexly/telemetry/testing';
import { createGatewayMetrics } from '../metrics.js';
import { observeTurnLatency } from './turn-latency.js';

const final = (callId: string, providerMs: number): AnyEvent => ({
  type: 'speech.final',
  v: PROTOCOL_VERSION,
  callId,
  timelineMs: 2400,
  utterance: 1,
  text: 'hello',
  language: 'en-IN',
  speechStartMs: 1000,
  speechEndMs: 2000,
  providerMs,
  audioSeconds: 1.4,
});

let capture: SpanCapture | undefined;
afterEach(() => capture?.stop());

describe('turn latency metrics', () => {
  it('serve OpenMetrics with the trace id of an observed call as the bucket exemplar when tracing is on', async () => {
    const registry = createMetricsRegistry('gateway');
    const metrics = createGatewayMetrics(registry);
    observeTurnLatency(metrics, final('call-untraced', 130));
    capture = captureSpans();
    observeTurnLatency(metrics, final('call-traced', 170));
    const text = await registry.metrics();
    expect(registry.contentType).toContain('application/openmetrics-text');
    expect(text.trimEnd().endsWith('# EOF')).toBe(true);
    const bucket = (le: number) =>
      text
        .split('\n')
        .find(
          (l) =>
            l.startsWith('audexly_turn_latency_ms_bucket{') &&
            l.includes(`le="${le}"`) &&
            l.includes('part="stt_provider"'),
        );
    // 170 ms falls in the 200 ms bucket and carries the traced call's id; 130 ms (tracing off) none.
    expect(bucket(200)).toContain(`# {trace_id="${callTraceId('call-traced')}"} 170`);
    expect(text).not.toContain(callTraceId('call-untraced'));
    // Counters keep their names in OpenMetrics.
    expect(text).toMatch(/^audexly_gateway_chunks_out_total\{/m);
  });
});
