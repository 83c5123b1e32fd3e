import { formatReport } from '@audexly/simulator';
import type { CallReport } from './simulated-call.js';

const ms = (value: number | null) => (value === null ? '—' : `${Math.round(value)} ms`);

/** Prints what the demo shows: the caller's view, the transcript, server-side latency, where things are. */
export function printCallReport(report: CallReport, say: (line: string) => void): void {
  const { call, record, apiUrl } = report;
  console.log(`\n── the call, as the caller experienced it ──\n${formatReport(call)}`);
  if (!record) {
    say(`no call record for ${call.callId} after 10 s: check the recorder's log`);
    return;
  }
  console.log('\n── transcript ──');
  for (const line of record.transcript)
    console.log(`  [${(line.timelineMs / 1000).toFixed(1).padStart(5)} s] ${line.role.padEnd(6)} ${line.text}`);
  console.log('\n── latency per turn, measured by the platform (timeline ms) ──');
  console.log("  turn  speech ended at  stt      llm      tts      voice-to-voice  (caller's latency)");
  for (const turn of record.turns) {
    const caller = call.turns.find((t) => t.turn === turn.turn)?.latencyMs ?? null;
    console.log(
      `  ${String(turn.turn).padEnd(4)}  ${ms(turn.speechEndMs).padEnd(15)}  ${ms(turn.latency.sttMs).padEnd(7)}  ${ms(turn.latency.llmMs).padEnd(7)}  ${ms(turn.latency.ttsMs).padEnd(7)}  ${ms(turn.latency.voiceToVoiceMs).padEnd(14)}  (${ms(caller)})`,
    );
  }
  console.log(
    "  voice-to-voice = end of caller speech, where the STT's VAD put it → first audio sent to Exotel (it includes the end-of-turn silence).",
  );
  console.log(
    '  In brackets, the same span as the caller measured it: from the end of the loud part of the audio it sent (its "speech ended at"',
  );
  console.log(
    '  above) to the first agent audio it received. Both count on the call timeline; they differ by where each puts the end of speech',
  );
  console.log(
    '  (the VAD judges its own frames by its own threshold: tens of ms either way), by the gateway → caller delivery, and by the',
  );
  console.log("  gateway's clock starting when `start` reaches it (together a few ms, tens on a loaded machine).");
  console.log('\n── where things are ──');
  console.log(`  call record:  ${apiUrl}/api/v1/calls/${call.callId}   (NATS KV bucket "calls", key ${call.callId})`);
  if (record.recording) {
    console.log(
      `  recording:    ${apiUrl}/api/v1/calls/${call.callId}/recording   (${record.recording.store} "${record.recording.key}", ${(record.recording.durationMs / 1000).toFixed(1)} s stereo: caller left, agent right)`,
    );
  }
  console.log(`  all calls:    ${apiUrl}/api/v1/calls\n`);
}
