import type { SimulatedCall } from './simulate-call.js';

const ms = (v: number | null) => (v === null ? '—' : `${v} ms`);

/** The per-turn latency table and protocol summary the CLI prints. */
export function formatReport(result: SimulatedCall): string {
  const rows: string[][] = [['turn', 'caller audio', 'length', 'speech ended at', 'latency', 'agent audio', 'done']];
  rows.push([
    '0 (greeting)',
    '—',
    '—',
    '—',
    ms(result.greetingLatencyMs),
    ms(result.greetingAudioMs),
    result.greetingLatencyMs === null ? 'no' : 'yes',
  ]);
  for (const t of result.turns)
    rows.push([
      String(t.turn),
      t.name,
      ms(Math.round(t.speechMs)),
      ms(t.speechEndAtMs),
      ms(t.latencyMs),
      ms(t.agentAudioMs),
      t.answered ? 'yes' : 'no',
    ]);
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const line = (r: string[]) => r.map((cell, c) => cell.padEnd(widths[c]!)).join('  ');
  const out = [
    `call ${result.callId} (${result.sampleRate} Hz), ${(result.durationMs / 1000).toFixed(1)} s, ended by ${result.endedBy}${result.close ? ` (close ${result.close.code})` : ''}`,
    'latency: greeting = start sent → first agent audio received;',
    "         turn = end of the caller's speech (its last loud 10 ms, not the end of the audio file) → first agent audio received",
    "speech ended at: on the call timeline, ms since start (the timeline the platform's own measurements use)",
    '',
    line(rows[0]!),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.slice(1).map(line),
    '',
    `gateway sent ${result.messages.media} media, ${result.messages.mark} marks, ${result.messages.clear} clears; ${result.marksEchoed.length} marks echoed`,
    result.gaps.length === 0
      ? 'gaps heard inside agent speech: none'
      : `gaps heard inside agent speech: ${result.gaps.length}, the longest ${Math.round(Math.max(...result.gaps.map((g) => g.ms)))} ms`,
    result.violations.length === 0
      ? 'protocol: no violations'
      : `protocol: ${result.violations.length} violations\n${result.violations
          .slice(0, 20)
          .map((v) => `  - ${v}`)
          .join('\n')}`,
  ];
  return out.join('\n');
}
