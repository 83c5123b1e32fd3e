import type { CallTurn } from '@audexly/protocol/api';
import { millis } from '../format.js';

const STAGES = [
  { key: 'sttMs', label: 'STT', class: 'stt' },
  { key: 'llmMs', label: 'LLM', class: 'llm' },
  { key: 'ttsMs', label: 'TTS', class: 'tts' },
] as const;

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? null) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/**
 * Per-turn latency as stacked bars (speech end → transcript → reply → audio), with voice-to-voice;
 * with `traceLinks`, each turn links to its `turn` span in Jaeger.
 */
export function LatencyChart(props: { turns: CallTurn[]; traceLinks?: ReadonlyMap<number, string> }) {
  const turns = props.turns.filter((t) => Object.values(t.latency).some((v) => v !== null));
  if (turns.length === 0) return <div class="state compact muted">No latency was measured in this call.</div>;
  const total = (t: CallTurn) =>
    Math.max(
      t.latency.voiceToVoiceMs ?? 0,
      STAGES.reduce((n, s) => n + (t.latency[s.key] ?? 0), 0),
    );
  const scale = Math.max(...turns.map(total), 1);
  const v2v = median(turns.map((t) => t.latency.voiceToVoiceMs).filter((v): v is number => v !== null));

  return (
    <div class="latency">
      <div class="latency-summary">
        <span class="big">{millis(v2v)}</span>
        <span class="muted small">median voice-to-voice</span>
      </div>
      {turns.map((t) => (
        <div
          class="latency-row"
          key={t.turn}
          title={STAGES.map((s) => `${s.label} ${millis(t.latency[s.key])}`).join(' · ')}
        >
          <span class="latency-label">
            {props.traceLinks?.has(t.turn) ? (
              <a
                href={props.traceLinks.get(t.turn)}
                target="_blank"
                rel="noreferrer"
                title="This turn in Jaeger"
                data-testid="turn-trace-link"
              >
                {t.turn === 0 ? 'Greeting' : `Turn ${t.turn}`}
              </a>
            ) : t.turn === 0 ? (
              'Greeting'
            ) : (
              `Turn ${t.turn}`
            )}
          </span>
          <div class="bar">
            {STAGES.map((s) => {
              const value = t.latency[s.key];
              return value === null || value <= 0 ? null : (
                <span key={s.key} class={`bar-part ${s.class}`} style={{ width: `${(value / scale) * 100}%` }} />
              );
            })}
            {t.latency.voiceToVoiceMs !== null && (
              <span class="bar-v2v" style={{ left: `${(t.latency.voiceToVoiceMs / scale) * 100}%` }} />
            )}
          </div>
          <span class="latency-value mono">{millis(t.latency.voiceToVoiceMs)}</span>
        </div>
      ))}
      <div class="legend small">
        {STAGES.map((s) => (
          <span key={s.key}>
            <i class={`swatch ${s.class}`} />
            {s.label}
          </span>
        ))}
        <span>
          <i class="swatch v2v" />
          Voice-to-voice
        </span>
      </div>
    </div>
  );
}
