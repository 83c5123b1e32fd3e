/**
 * Completeness-aware end of turn (`turn.completeness`) against the fixed end-of-turn silence, on
 * the whole platform (six services as child processes, real NATS, simulated Exotel callers):
 *
 * - unfinished utterances ("my number is …", "… aur", "मेरा नंबर …"; English and Hindi, Latin and
 *   Devanagari) followed by a 600–900 ms pause and the rest of the sentence: how often the agent
 *   takes the pause for the end of the turn (the model is asked with the unfinished part alone);
 * - finished utterances said in one go: voice-to-voice (end of caller speech → first audio sent to
 *   Exotel, from the call record).
 *
 * The audio is real speech (the fixtures of libs/testing, pieces joined with inserted silence); the
 * fake Sarvam transcribes each piece as the text it stands for (`ScriptedSpeech`). Realistic fake
 * latencies: STT 150 ms, LLM first token 350 ms, TTS first byte 200 ms; Sarvam's own end of speech
 * 600 ms. Every random choice (which recordings, how long each pause) comes from `--seed`.
 *
 * Run: npx tsc -b deploy/bench/tsconfig.build.json && node deploy/bench/dist/end-of-turn.js
 * Options: --mode both|off|on --calls 4 (concurrent callers with unfinished utterances; half as many
 *          with finished ones) --repeat 2 (each finished utterance) --seed 1
 *          --speculate (agents also speculate: `turn.speculate`; model requests per caller turn are reported)
 *          --speculate-tts on|off (with --speculate: `turn.speculateTts`; TTS texts are reported)
 *          --probe-ms 150 (the pause probe, `turn.completeness.probeSilenceMs`)
 *          --stt-endpoint streaming|realtime (Sarvam's socket, `STT_SARVAM_ENDPOINT`; realtime sends
 *          interim transcripts: the fake's every 100 ms of speech audio, 150 ms late like its finals)
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { agentConfigSchema, delay } from '@audexly/protocol';
import { simulateCall, type SimulatedCall } from '@audexly/simulator';
import {
  COMPLETE_UTTERANCES,
  fixtureWords,
  loadSpeechFixture,
  seededRandom,
  startFakeOpenAI,
  startFakeSarvam,
  UNFINISHED_UTTERANCES,
  type FakeOpenAI,
  type SpeechFixtureName,
} from '@audexly/testing';
import { fetchCallData } from './call-events.js';
import { measureMachineLoad } from './machine-load.js';
import { percentile } from './percentiles.js';
import { ScriptedSpeech, type ScriptedPiece } from './scripted-speech.js';
import { startVoiceStack } from './voice-stack.js';
import { writeAgentFile } from './agent-file.js';

const { values } = parseArgs({
  options: {
    mode: { type: 'string', default: 'both' },
    calls: { type: 'string', default: '4' },
    repeat: { type: 'string', default: '2' },
    seed: { type: 'string', default: '1' },
    speculate: { type: 'boolean', default: false },
    'probe-ms': { type: 'string', default: '150' },
    'speculate-tts': { type: 'string', default: 'on' },
    'stt-endpoint': { type: 'string', default: 'streaming' },
  },
});
const sttEndpoint = values['stt-endpoint'] === 'realtime' ? 'realtime' : 'streaming';
const RATE = 8000;
const calls = Number(values.calls);
const seed = Number(values.seed);
const modes = values.mode === 'both' ? (['off', 'on'] as const) : ([values.mode === 'on' ? 'on' : 'off'] as const);
const END_OF_TURN_MS = 500;
/** Recordings short enough to be one piece of a sentence (≤ 3.3 s of speech). */
const PIECES: SpeechFixtureName[] = [
  'goforward',
  'numbers',
  'something',
  'cards-001',
  'cards-002',
  'cards-003',
  'cards-004',
  'cards-005',
  'librivox-0880',
  'librivox-0930',
];

interface Utterance {
  kind: 'unfinished' | 'finished';
  /** What the caller says before the pause (the whole utterance for a finished one). */
  first: string;
  /** After the pause (unfinished only). */
  rest: string | null;
  text: string;
  pauseMs: number;
  pcm: Buffer;
  recordings: string;
}

/** How an unfinished sentence goes on after the pause, in its own language and script. */
function restOf(text: string): string {
  if (/[\u0900-\u097f]/.test(text)) return 'यह वाला चाहिए';
  if (/\b(mera|mujhe|main|yeh|order ka|delivery ke|pin code)\b/.test(text)) return 'yeh wala chahiye';
  return 'that one please';
}

const random = seededRandom(seed);
const pick = (except?: SpeechFixtureName) => {
  const choices = PIECES.filter((n) => n !== except);
  return choices[Math.floor(random() * choices.length)]!;
};
const speech = new ScriptedSpeech(RATE);
async function piece(name: SpeechFixtureName, text: string): Promise<ScriptedPiece> {
  const { pcm } = await loadSpeechFixture(name, RATE);
  const { words } = fixtureWords(name);
  return speech.piece(pcm, words[0]!.startMs, words.at(-1)!.endMs, text, words.at(-1)!.startMs);
}

const unfinished: Utterance[] = [];
for (const first of UNFINISHED_UTTERANCES) {
  const a = pick();
  const b = pick(a);
  const pauseMs = 600 + Math.floor(random() * 301);
  const rest = restOf(first);
  const pieces = [await piece(a, first), await piece(b, rest)];
  unfinished.push({
    kind: 'unfinished',
    first,
    rest,
    text: `${first} ${rest}`,
    pauseMs,
    pcm: speech.join(pieces, pauseMs),
    recordings: `${a}+${b}`,
  });
}
const finished: Utterance[] = [];
for (let r = 0; r < Number(values.repeat); r++) {
  for (const text of COMPLETE_UTTERANCES) {
    const a = pick();
    const p = await piece(a, text);
    finished.push({
      kind: 'finished',
      first: text,
      rest: null,
      text,
      pauseMs: 0,
      pcm: speech.join([p], 0),
      recordings: a,
    });
  }
}
/** Scripts of the concurrent calls: unfinished utterances over `calls` callers, finished ones over half as many. */
const finishedCalls = Math.max(1, Math.floor(calls / 2));
const scripts: Utterance[][] = [
  ...Array.from({ length: calls }, (_, c) => unfinished.filter((_, i) => i % calls === c)),
  ...Array.from({ length: finishedCalls }, (_, c) => finished.filter((_, i) => i % finishedCalls === c)),
];
const pauses = unfinished.map((u) => u.pauseMs);
console.log(
  `seed ${seed}: ${unfinished.length} unfinished utterances (${UNFINISHED_UTTERANCES.length} texts, pauses ${Math.min(...pauses)}–${Math.max(...pauses)} ms), ${finished.length} finished, ${scripts.length} concurrent calls, ${RATE} Hz`,
);

interface ModeResult {
  mode: 'off' | 'on';
  intact: number;
  split: number;
  other: string[];
  finishedV2v: number[];
  finishedCallerMs: number[];
  unfinishedV2v: number[];
  unanswered: number;
  load: string;
  requests: { unfinished: number; finished: number; aborted: number };
  /** Texts the fake Sarvam synthesised (the greeting and phrases aside), and the caller turns answered. */
  tts: { texts: number; answered: number };
}

async function runMode(mode: 'off' | 'on'): Promise<ModeResult> {
  const agent = agentConfigSchema.parse({
    id: 'end-of-turn',
    name: 'End of turn',
    prompt: 'You are a test agent. The caller is {{caller}}.',
    greeting: 'Hello.',
    sampleRate: RATE,
    turn: {
      endOfTurnSilenceMs: END_OF_TURN_MS,
      completeness: { enabled: mode === 'on', probeSilenceMs: Number(values['probe-ms']) },
      speculate: values.speculate,
      speculateTts: values['speculate-tts'] !== 'off',
    },
  });
  const agentFile = writeAgentFile(agent);
  const sarvam = await startFakeSarvam({
    apiKey: 'bench-sarvam',
    transcripts: speech.transcripts(),
    sttLatencyMs: 150,
    ttsFirstByteMs: 200,
  });
  const openai = await startFakeOpenAI({ apiKey: 'bench-openai', reply: () => 'Okay.', firstTokenMs: 350 });
  const stack = await startVoiceStack({
    env: {
      NATS_URL: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
      SARVAM_API_KEY: 'bench-sarvam',
      SARVAM_BASE_URL: sarvam.url,
      STT_SARVAM_ENDPOINT: sttEndpoint,
      OPENAI_API_KEY: 'bench-openai',
      OPENAI_BASE_URL: openai.url,
      AGENT_FILE: agentFile,
    },
  });
  const caller = (i: number) => `+9198300${String(i).padStart(5, '0')}`;
  /** The greeting and phrases the TTS stage synthesises ahead for its greeting cache. */
  const fixedTexts = new Set<string>([agent.greeting, ...Object.values(agent.phrases)]);
  const loadBefore = loadavg()[0]!;
  const machine = measureMachineLoad();
  try {
    const results: SimulatedCall[] = await Promise.all(
      scripts.map(async (script, i) => {
        await delay((i * 3000) / scripts.length);
        return simulateCall({
          url: stack.gatewayUrl,
          sampleRate: RATE,
          from: caller(i),
          audio: script.map((u) => ({ pcm: u.pcm, sampleRate: RATE, name: u.recordings })),
          quietMs: 400,
          answerTimeoutMs: 15_000,
        });
      }),
    );
    const busy = machine();
    const callerOf = (i: number) => (r: { body: Record<string, unknown> }) =>
      JSON.stringify(r.body.messages ?? '').includes(caller(i));
    const requestsOf = (kind: Utterance['kind']) =>
      scripts.reduce((n, s, i) => n + (s[0]?.kind === kind ? openai.requests.filter(callerOf(i)).length : 0), 0);
    const out: ModeResult = {
      mode,
      requests: {
        unfinished: requestsOf('unfinished'),
        finished: requestsOf('finished'),
        aborted: openai.requests.filter((r) => r.closedByClient).length,
      },
      intact: 0,
      split: 0,
      other: [],
      finishedV2v: [],
      finishedCallerMs: [],
      unfinishedV2v: [],
      unanswered: results.reduce((n, r) => n + r.turns.filter((t) => !t.answered).length, 0),
      tts: {
        texts: sarvam.requests
          .filter((r) => r.endpoint === 'tts-ws')
          .flatMap((r) => r.texts)
          .filter((t) => !fixedTexts.has(t)).length,
        answered: results.reduce((n, r) => n + r.turns.filter((t) => t.answered).length, 0),
      },
      load: `load average ${loadBefore.toFixed(2)} → ${loadavg()[0]!.toFixed(2)}, machine ${(busy.busyShare * 100).toFixed(0)}% busy of ${busy.cores} cores`,
    };
    for (const [i, script] of scripts.entries()) {
      const heard = userMessagesOf(openai, caller(i));
      const { record } = await fetchCallData(stack.apiUrl, stack.apiToken, results[i]!.callId);
      const v2v = record.turns
        .filter((t) => t.turn > 0 && !t.interrupted)
        .map((t) => t.latency.voiceToVoiceMs)
        .filter((ms): ms is number => ms !== null);
      if (script[0]?.kind === 'finished') {
        out.finishedV2v.push(...v2v);
        out.finishedCallerMs.push(
          ...results[i]!.turns.map((t) => t.latencyMs).filter((ms): ms is number => ms !== null),
        );
        continue;
      }
      out.unfinishedV2v.push(...v2v);
      // Walk the caller messages the model was given, utterance by utterance.
      let k = 0;
      for (const u of script) {
        if (heard[k] === u.text) {
          out.intact++;
          k++;
        } else if (heard[k] === u.first) {
          out.split++;
          k += heard[k + 1] === u.rest ? 2 : 1;
        } else {
          out.other.push(`"${u.text}" → ${JSON.stringify(heard.slice(k, k + 2))}`);
          k++;
        }
      }
    }
    return out;
  } finally {
    await stack.stop();
    await Promise.all([sarvam.close(), openai.close()]);
  }
}

const results: ModeResult[] = [];
for (const mode of modes) results.push(await runMode(mode));

const n = unfinished.length;
const f = (v: number) => (Number.isNaN(v) ? '–' : v.toFixed(0));
console.log(
  `\n## End of turn: fixed ${END_OF_TURN_MS} ms vs completeness (min 300 / max 1200 / probe ${values['probe-ms']} ms), Sarvam ${sttEndpoint} socket, seed ${seed}`,
);
console.log(
  '\n| end of turn | unfinished: answered in the pause | unfinished: one turn, whole text | other | finished: voice-to-voice p50 / p95 (n) | finished: caller-side p50 | unfinished: voice-to-voice p50 after the rest | turns unanswered |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
for (const r of results) {
  console.log(
    `| ${r.mode === 'off' ? `fixed ${END_OF_TURN_MS} ms` : 'completeness on'} | ${r.split} of ${n} (${((r.split / n) * 100).toFixed(1)} %) | ${r.intact} of ${n} | ${r.other.length} | ${f(percentile(r.finishedV2v, 50))} / ${f(percentile(r.finishedV2v, 95))} (${r.finishedV2v.length}) | ${f(percentile(r.finishedCallerMs, 50))} | ${f(percentile(r.unfinishedV2v, 50))} | ${r.unanswered} |`,
  );
}
for (const r of results) {
  console.log(
    `\n${r.mode}: model requests per caller turn: unfinished ${(r.requests.unfinished / n).toFixed(2)}, finished ${(r.requests.finished / finished.length).toFixed(2)}; ${r.requests.aborted} aborted${values.speculate ? ' (turn.speculate on)' : ''}; pause probe at ${values['probe-ms']} ms`,
  );
  console.log(
    `${r.mode}: TTS texts (the greeting and phrases aside): ${r.tts.texts} for ${r.tts.answered} caller utterances answered${values.speculate && values['speculate-tts'] !== 'off' ? ' (turn.speculateTts on)' : ''}`,
  );
  console.log(`${r.mode}: ${r.load}`);
  for (const line of r.other.slice(0, 8)) console.log(`  not placed: ${line}`);
}
console.log(`\nnode deploy/bench/dist/end-of-turn.js ${process.argv.slice(2).join(' ')}`.trimEnd());
process.exit(0);

/** The caller's messages in the call's last chat request, found by the caller's number in the system prompt. */
function userMessagesOf(openai: FakeOpenAI, marker: string): string[] {
  type Message = { role: string; content?: unknown };
  const mine = openai.requests.filter((r) =>
    (r.body.messages as Message[] | undefined)?.some(
      (m) => m.role === 'system' && typeof m.content === 'string' && m.content.includes(marker),
    ),
  );
  const last = (mine.at(-1)?.body.messages as Message[] | undefined) ?? [];
  return last.filter((m) => m.role === 'user' && typeof m.content === 'string').map((m) => m.content as string);
}
