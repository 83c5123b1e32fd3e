/**
 * Backchannels and coughs while the agent speaks (`turn.bargeInMode: 'pause'` against `'clear'`), on
 * the whole platform (six services as child processes, real NATS, simulated Exotel callers):
 *
 * - 32 sounds a caller makes over a long answer without meaning to take the floor: single words
 *   clipped from the real recordings (the fake Sarvam hears them as "okay", "haan", "ठीक है", …),
 *   English and Hindi acknowledgments synthesised by espeak-ng, and noise bursts (coughs, knocks:
 *   no words). Measured: the agent resumes with no `clear` (goal ≥ 90 %).
 * - real interruptions ("wait, …"): still cleared, and how long after the deciding event — in
 *   `clear` mode the speech onset (`speech.started`), in `pause` mode the transcript
 *   (`speech.final`) — the gateway clears (`control.interrupt`), and speech onset → `clear` at the caller.
 *
 * Every random choice (noise bursts, when each sound starts) comes from `--seed`.
 *
 * Run: npx tsc -b deploy/bench/tsconfig.build.json && node deploy/bench/dist/backchannel.js
 * Options: --mode both|pause|clear --calls 6 --real 12 (real interruptions) --seed 1
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { agentConfigSchema, delay } from '@audexly/protocol';
import { simulateCall, speechEndMs, speechOnsetMs, type CallerTurn, type SimulatedCall } from '@audexly/simulator';
import {
  fixtureWords,
  loadSpeechFixture,
  seededRandom,
  startFakeOpenAI,
  startFakeSarvam,
  synthesizeSpeech,
  type ChatMessage,
  type SpeechFixtureName,
} from '@audexly/testing';
import { fetchCallData, type LoggedEvent } from './call-events.js';
import { measureMachineLoad } from './machine-load.js';
import { median, percentile } from './percentiles.js';
import { ScriptedSpeech, type ScriptedPiece } from './scripted-speech.js';
import { startVoiceStack } from './voice-stack.js';
import { writeAgentFile } from './agent-file.js';

const { values } = parseArgs({
  options: {
    mode: { type: 'string', default: 'both' },
    calls: { type: 'string', default: '6' },
    real: { type: 'string', default: '12' },
    seed: { type: 'string', default: '1' },
  },
});
const RATE = 8000;
const calls = Number(values.calls);
const seed = Number(values.seed);
const modes =
  values.mode === 'both' ? (['clear', 'pause'] as const) : ([values.mode === 'clear' ? 'clear' : 'pause'] as const);

const GO = 'Go forward ten meters.';
const LONG = [
  'Sure, here is how to move forward safely.',
  'First, check that the path ahead of you is clear.',
  'Then keep your speed low for the first few meters.',
  'That is all you need to do.',
].join(' ');
const SHORT = 'About a minute.';

const random = seededRandom(seed);
const speech = new ScriptedSpeech(RATE);

type Kind = 'real word' | 'espeak en' | 'espeak hi' | 'noise' | 'no words' | 'interruption';
interface Sound {
  kind: Kind;
  text: string;
  pcm: Buffer;
}

async function fixturePiece(name: SpeechFixtureName, text: string): Promise<ScriptedPiece> {
  const { pcm } = await loadSpeechFixture(name, RATE);
  const { words } = fixtureWords(name);
  return speech.piece(pcm, words[0]!.startMs, words.at(-1)!.endMs, text);
}

/** One word of a recording (with 40 ms around it), heard as `text`. */
async function clippedWord(name: SpeechFixtureName, index: number, text: string): Promise<Sound> {
  const { pcm } = await loadSpeechFixture(name, RATE);
  const word = fixtureWords(name).words[index]!;
  const at = (ms: number) => Math.max(0, Math.round((ms * RATE) / 1000)) * 2;
  const from = Math.max(0, word.startMs - 40);
  const clip = Buffer.concat([
    Buffer.alloc(at(100)),
    pcm.subarray(at(from), at(word.endMs + 40)),
    Buffer.alloc(at(100)),
  ]);
  const p = speech.piece(clip, 100 + (word.startMs - from), 100 + (word.endMs - from), text);
  return { kind: 'real word', text, pcm: p.pcm };
}

async function synthesised(kind: 'espeak en' | 'espeak hi', text: string): Promise<Sound> {
  const pcm = await synthesizeSpeech({ text, voice: kind === 'espeak en' ? 'en' : 'hi', sampleRate: RATE });
  const from = speechOnsetMs(pcm, RATE) ?? 0;
  const to = speechEndMs(pcm, RATE) ?? (pcm.byteLength / 2 / RATE) * 1000;
  return { kind, text, pcm: speech.piece(pcm, from, to, text).pcm };
}

/** A cough- or knock-like burst: noise under a fast-rising, decaying envelope, 120–400 ms, seeded. */
function noiseBurst(): Sound {
  const ms = 120 + Math.floor(random() * 281);
  const n = Math.round((ms * RATE) / 1000);
  const lead = Math.round(0.1 * RATE);
  const pcm = Buffer.alloc((n + 2 * lead) * 2);
  const level = 3000 + random() * 9000;
  let last = 0;
  for (let i = 0; i < n; i++) {
    const t = i / n;
    const envelope = Math.min(1, t * 12) * Math.exp(-4 * t);
    // Lightly low-passed noise: more like a cough than a hiss.
    last = 0.6 * last + 0.4 * (random() * 2 - 1);
    pcm.writeInt16LE(Math.round(level * envelope * last * 2), (lead + i) * 2);
  }
  return { kind: 'noise', text: '', pcm };
}

const go = (await fixturePiece('goforward', GO)).pcm;
const sounds: Sound[] = [
  await clippedWord('cards-001', 0, 'Okay.'),
  await clippedWord('cards-004', 0, 'Yes.'),
  await clippedWord('cards-002', 0, 'haan'),
  await clippedWord('cards-003', 0, 'हाँ'),
  await clippedWord('cards-005', 0, 'ठीक है'),
  await clippedWord('goforward', 0, 'achha'),
  await clippedWord('numbers', 2, 'hmm'),
  await clippedWord('something', 0, 'uh-huh'),
  ...(await Promise.all(
    ['okay', 'yes', 'yeah', 'uh-huh', 'right', 'sure', 'mm-hmm', 'okay, okay'].map((t) => synthesised('espeak en', t)),
  )),
  ...(await Promise.all(
    ['हाँ', 'हाँ जी', 'अच्छा', 'ठीक है', 'जी', 'हम्म', 'जी हाँ', 'ओके'].map((t) => synthesised('espeak hi', t)),
  )),
  ...Array.from({ length: 8 }, () => noiseBurst()),
  // Sounds the VAD takes for speech but that hold no words (a cough, a throat clearing): real speech
  // the fake transcribes as nothing.
  ...(await Promise.all(
    (
      [
        ['cards-004', 1],
        ['cards-002', 1],
        ['numbers', 0],
        ['something', 3],
      ] as const
    ).map(async ([name, word]) => ({ ...(await clippedWord(name, word, '')), kind: 'no words' as const })),
  )),
];
const INTERRUPTIONS: [SpeechFixtureName, string][] = [
  ['numbers', 'Wait, how long will that take?'],
  ['something', 'No, I want to go somewhere else.'],
  ['cards-005', 'Stop, that is the wrong direction.'],
  ['librivox-0880', 'Hold on, can you repeat the first step?'],
  ['cards-001', 'Wait, stop.'],
  ['cards-004', 'No, no.'],
];
const interruptions: Sound[] = [];
for (let i = 0; i < Number(values.real); i++) {
  const [name, text] = INTERRUPTIONS[i % INTERRUPTIONS.length]!;
  interruptions.push({ kind: 'interruption', text, pcm: (await fixturePiece(name, `${text} (${i})`)).pcm });
}
/** Each trial: the caller asks (long answer), then makes the sound 1.0–2.5 s into the answer. */
const trials = [...sounds, ...interruptions].map((sound) => ({ sound, afterMs: 1000 + Math.floor(random() * 1501) }));
// Shuffled (seeded) so kinds mix over calls and time.
for (let i = trials.length - 1; i > 0; i--) {
  const j = Math.floor(random() * (i + 1));
  [trials[i], trials[j]] = [trials[j]!, trials[i]!];
}
const scripts = Array.from({ length: calls }, (_, c) => trials.filter((_, i) => i % calls === c));
console.log(
  `seed ${seed}: ${sounds.length} backchannels and noises (${['real word', 'espeak en', 'espeak hi', 'noise', 'no words'].map((k) => `${sounds.filter((s) => s.kind === k).length} ${k}`).join(', ')}), ${interruptions.length} real interruptions, ${calls} concurrent calls, ${RATE} Hz`,
);

interface TrialResult {
  kind: Kind;
  paused: boolean;
  resumed: string | null;
  cleared: boolean;
  onsetToClearMs: number | null;
  decidingToClearMs: number | null;
  pausedToClearMs: number | null;
  onsetToPausedMs: number | null;
}

async function runMode(mode: 'clear' | 'pause'): Promise<{ trials: TrialResult[]; load: string }> {
  const agent = agentConfigSchema.parse({
    id: 'backchannel',
    name: 'Backchannel',
    prompt: 'You are a test agent.',
    greeting: 'Hello.',
    sampleRate: RATE,
    turn: { bargeInMode: mode },
  });
  const agentFile = writeAgentFile(agent);
  const sarvam = await startFakeSarvam({
    apiKey: 'bench-sarvam',
    transcripts: speech.transcripts(),
    sttLatencyMs: 150,
    ttsFirstByteMs: 200,
  });
  const openai = await startFakeOpenAI({
    apiKey: 'bench-openai',
    reply: (messages: ChatMessage[]) => (messages.at(-1)?.content === GO ? LONG : SHORT),
    firstTokenMs: 350,
    tokenDelayMs: 10,
  });
  const stack = await startVoiceStack({
    env: {
      NATS_URL: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
      SARVAM_API_KEY: 'bench-sarvam',
      SARVAM_BASE_URL: sarvam.url,
      OPENAI_API_KEY: 'bench-openai',
      OPENAI_BASE_URL: openai.url,
      AGENT_FILE: agentFile,
    },
  });
  const loadBefore = loadavg()[0]!;
  const machine = measureMachineLoad();
  try {
    const results: SimulatedCall[] = await Promise.all(
      scripts.map(async (script, i) => {
        await delay((i * 3000) / scripts.length);
        const turns: CallerTurn[] = script.flatMap(({ sound, afterMs }) => [
          { audio: { pcm: go, sampleRate: RATE, name: 'go' } },
          {
            audio: { pcm: sound.pcm, sampleRate: RATE, name: sound.kind },
            bargeInAfterMs: afterMs,
            expectAnswer: sound.kind === 'interruption',
          },
        ]);
        // The agent is silent while paused (up to bargeInDecisionMs): not the end of its answer.
        return simulateCall({ url: stack.gatewayUrl, sampleRate: RATE, turns, quietMs: 2500, answerTimeoutMs: 20_000 });
      }),
    );
    const busy = machine();
    const out: TrialResult[] = [];
    for (const [c, script] of scripts.entries()) {
      const call = results[c]!;
      const { events } = await fetchCallData(stack.apiUrl, stack.apiToken, call.callId);
      for (const [k, { sound }] of script.entries()) {
        const turn = call.turns[2 * k + 1]!;
        const next = call.turns[2 * k + 2];
        const from = turn.startedAtMs;
        const to = next?.startedAtMs ?? Infinity;
        const within = (e: LoggedEvent) => e.timelineMs >= from && e.timelineMs < to;
        const first = (type: string) => events.find((e) => e.type === type && within(e));
        const interrupt = first('control.interrupt');
        const final = first('speech.final');
        // clear mode decides at the onset; pause mode by the transcript, or at the pause's bound.
        const byTranscript = mode === 'pause' && interrupt && final && final.timelineMs <= interrupt.timelineMs;
        const deciding = mode === 'clear' ? first('speech.started') : byTranscript ? final : undefined;
        const paused = first('playback.paused');
        const resumed = first('playback.resumed');
        out.push({
          kind: sound.kind,
          paused: paused !== undefined,
          resumed: resumed ? String(resumed.reason) : null,
          cleared: turn.clearAfterOnsetMs !== null,
          onsetToPausedMs: paused && turn.speechOnsetAtMs !== null ? paused.timelineMs - turn.speechOnsetAtMs : null,
          onsetToClearMs: turn.clearAfterOnsetMs,
          decidingToClearMs: interrupt && deciding ? interrupt.timelineMs - deciding.timelineMs : null,
          pausedToClearMs: interrupt && paused ? interrupt.timelineMs - paused.timelineMs : null,
        });
      }
    }
    return {
      trials: out,
      load: `load average ${loadBefore.toFixed(2)} → ${loadavg()[0]!.toFixed(2)}, machine ${(busy.busyShare * 100).toFixed(0)}% busy of ${busy.cores} cores`,
    };
  } finally {
    await stack.stop();
    await Promise.all([sarvam.close(), openai.close()]);
  }
}

const f = (v: number) => (Number.isNaN(v) ? '–' : v.toFixed(0));
const runs: { mode: 'clear' | 'pause'; trials: TrialResult[]; load: string }[] = [];
for (const mode of modes) runs.push({ mode, ...(await runMode(mode)) });

console.log(`\n## Backchannels and coughs over the agent, seed ${seed}`);
console.log(
  '\n| bargeInMode | sounds | paused | resumed, no clear | not paused, no clear | cleared | by kind: not cleared |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- |');
for (const { mode, trials } of runs) {
  const bc = trials.filter((t) => t.kind !== 'interruption');
  const kinds = ['real word', 'espeak en', 'espeak hi', 'noise', 'no words']
    .map((k) => {
      const of = bc.filter((t) => t.kind === k);
      return `${k} ${of.filter((t) => !t.cleared).length}/${of.length}`;
    })
    .join(', ');
  const resumedNoClear = bc.filter((t) => t.resumed !== null && !t.cleared);
  const reasons = [...new Set(resumedNoClear.map((t) => t.resumed))]
    .map((r) => `${r} ${resumedNoClear.filter((t) => t.resumed === r).length}`)
    .join(', ');
  const notCleared = bc.filter((t) => !t.cleared).length;
  console.log(
    `| ${mode} | ${bc.length} | ${bc.filter((t) => t.paused).length} | ${resumedNoClear.length} (${reasons || '–'}) | ${bc.filter((t) => !t.paused && !t.cleared).length} | ${bc.length - notCleared} | ${kinds}; **${((notCleared / bc.length) * 100).toFixed(1)} % not cleared** |`,
  );
}
console.log(
  '\nReal interruptions:\n\n| bargeInMode | cleared | decided by | deciding event → control.interrupt (gateway) p50 / p95 / max | playback.paused → control.interrupt p50 | speech onset → clear at the caller p50 / p95 | speech onset → agent paused p50 / p95 |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- |');
for (const { mode, trials } of runs) {
  const real = trials.filter((t) => t.kind === 'interruption');
  const deciding = real.map((t) => t.decidingToClearMs).filter((ms): ms is number => ms !== null);
  const paused = real.map((t) => t.pausedToClearMs).filter((ms): ms is number => ms !== null);
  const onset = real.map((t) => t.onsetToClearMs).filter((ms): ms is number => ms !== null);
  const pausedAt = real.map((t) => t.onsetToPausedMs).filter((ms): ms is number => ms !== null);
  const by =
    mode === 'clear'
      ? `speech.started ${deciding.length}`
      : `speech.final ${deciding.length}, the pause's bound ${real.filter((t) => t.cleared).length - deciding.length}`;
  console.log(
    `| ${mode} | ${real.filter((t) => t.cleared).length} of ${real.length} | ${by} | ${f(median(deciding))} / ${f(percentile(deciding, 95))} / ${f(Math.max(...deciding))} | ${f(median(paused))} | ${f(median(onset))} / ${f(percentile(onset, 95))} | ${f(median(pausedAt))} / ${f(percentile(pausedAt, 95))} |`,
  );
}
for (const { mode, load } of runs) console.log(`\n${mode}: ${load}`);
console.log(`\nnode deploy/bench/dist/backchannel.js ${process.argv.slice(2).join(' ')}`.trimEnd());
process.exit(0);
