import { afterEach, describe, expect, it } from 'vitest';
import { simulateCall } from '@audexly/simulator';
import { fixtureTranscripts, speechFixture, speechFixtureRecordings } from '@audexly/testing';
import { startInProcessPlatform, type InProcessPlatform } from './test/in-process-platform.js';
import { nonSpeculatingAgentFile } from './test/test-agents.js';

/**
 * Measured at the caller's edge and by the platform, the same silence: a TTS stream that falls
 * behind mid-sentence leaves the caller a gap inside the agent's speech, and the gateway counts
 * that gap itself (`audexly_gateway_playout_gaps_total`), blaming the late audio, not its pacing.
 */

let platform: InProcessPlatform | undefined;
afterEach(async () => {
  await platform?.stop();
  platform = undefined;
});

/** A series' value in a Prometheus text (0 when absent): `name` with `labels` among its labels. */
function series(text: string, name: string, labels = ''): number {
  const line = text.split('\n').find((l) => l.startsWith(name) && l.includes(labels) && !l.startsWith('#'));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

describe('gaps inside agent speech', () => {
  it('a TTS stream that stalls mid-sentence: the caller hears the gaps the gateway counts, blamed on late audio', async () => {
    // Each synthesis sends 200 ms of audio, then nothing for 1.5 s: the caller should hear about
    // 1.3 s of silence. (Long, to stand apart from the delays this one process adds: below.)
    platform = await startInProcessPlatform({
      sarvam: {
        transcripts: fixtureTranscripts(await speechFixtureRecordings(8000)),
        ttsStall: { afterChunks: 2, ms: 1500 },
      },
      openai: { reply: () => 'Sure, I can help with that right away.' },
      env: { AGENT_FILE: nonSpeculatingAgentFile() },
    });
    const call = await simulateCall({
      url: platform.gatewayUrl,
      sampleRate: 8000,
      audio: [speechFixture('goforward', 8000)],
      // The agent has finished only after 3 s of quiet: a stall is not the end of its sentence.
      quietMs: 3000,
      answerTimeoutMs: 20_000,
    });
    expect(call.turns.every((t) => t.answered)).toBe(true);
    const metrics = await (await fetch(`${platform.gatewayHttp}/metrics`)).text();
    // The stalls: each heard about 1.3 s long, after the first 200 ms of the sentence.
    const stalls = call.gaps.filter((g) => g.ms >= 500);
    expect(stalls.length).toBeGreaterThanOrEqual(2); // the greeting's and the answer's, at least
    for (const gap of stalls) {
      expect(gap.ms).toBeGreaterThan(1100);
      expect(gap.ms).toBeLessThan(1500);
      expect(gap.intoSegmentMs).toBeGreaterThanOrEqual(150);
      expect(gap.intoSegmentMs).toBeLessThanOrEqual(250);
    }
    // The gateway counted the same ones, as late audio, and as long (over 1 s).
    expect(series(metrics, 'audexly_gateway_playout_gaps_total', 'cause="late_audio"')).toBe(stalls.length);
    const longGaps =
      series(metrics, 'audexly_gateway_playout_gap_ms_bucket', 'le="+Inf"') -
      series(metrics, 'audexly_gateway_playout_gap_ms_bucket', 'le="1000"');
    expect(longGaps).toBe(stalls.length);
    // What the gateway cannot see: delays after it sends (on a phone line the network's; here the
    // event loop this test shares with the six services, the fakes and the caller: up to ~100 ms
    // seen as a call starts). They are short beside the stalls.
    for (const gap of call.gaps.filter((g) => g.ms < 500)) expect(gap.ms).toBeLessThan(250);
  });
});
