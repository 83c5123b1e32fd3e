/**
 * Caller words lost: N concurrent simulated Exotel calls, each speaking T different real recordings
 * (the 13 speech fixtures), against the whole platform (six services as child processes) on a fake
 * Sarvam that segments speech on its own VAD, as the real streaming STT does, and "recognises" the
 * recordings exactly. For every turn the bench compares what the caller said with what the model
 * was given (the caller's messages in the call's last chat request): a turn is intact when the
 * model was given exactly its words as one message; otherwise it was lost or damaged (words
 * missing, repeated or given to another turn).
 *
 * Run: npm run build && node deploy/bench/dist/caller-words.js
 * Options: --calls 40 --turns 3 --rate 8000|16000 --eos 600 (the fake's end-of-speech silence, ms)
 *          --eot 500 (the agent's end-of-turn silence, ms) --silent-flush ignore|empty (how the fake
 *          answers a flush of pure silence) --seed 1 (which recordings each call speaks)
 */
import { parseArgs } from 'node:util';
import { delay, agentConfigSchema } from '@audexly/protocol';
import { simulateCall } from '@audexly/simulator';
import {
  fixtureTranscripts,
  fixtureWords,
  seededRandom,
  speechFixture,
  speechFixtureRecordings,
  SPEECH_FIXTURES,
  startFakeOpenAI,
  startFakeSarvam,
} from '@audexly/testing';
import { startVoiceStack } from './voice-stack.js';
import { writeAgentFile } from './agent-file.js';

const { values } = parseArgs({
  options: {
    calls: { type: 'string', default: '40' },
    turns: { type: 'string', default: '3' },
    rate: { type: 'string', default: '8000' },
    eos: { type: 'string', default: '600' },
    eot: { type: 'string', default: '500' },
    'silent-flush': { type: 'string', default: 'ignore' },
    seed: { type: 'string', default: '1' },
  },
});
const calls = Number(values.calls);
const turnsPerCall = Number(values.turns);
const rate = values.rate === '16000' ? 16000 : 8000;
const silentFlush = values['silent-flush'] === 'empty' ? 'empty' : 'ignore';
const seed = Number(values.seed);

const agent = agentConfigSchema.parse({
  id: 'words',
  name: 'Words',
  prompt: 'You are a test agent. The caller is {{caller}}.',
  greeting: 'Hello.',
  sampleRate: rate,
  turn: { endOfTurnSilenceMs: Number(values.eot) },
});
const agentFile = writeAgentFile(agent);

const sarvam = await startFakeSarvam({
  apiKey: 'bench-sarvam',
  transcripts: fixtureTranscripts(await speechFixtureRecordings(rate)),
  sttEndOfSpeechMs: Number(values.eos),
  sttSilentFlush: silentFlush,
  sttLatencyMs: 150,
  ttsFirstByteMs: 200,
});
const openai = await startFakeOpenAI({ apiKey: 'bench-openai', reply: () => 'Okay.', firstTokenMs: 350 });
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

const random = seededRandom(seed);
const scripts = Array.from({ length: calls }, () =>
  Array.from({ length: turnsPerCall }, () => SPEECH_FIXTURES[Math.floor(random() * SPEECH_FIXTURES.length)]!),
);
const caller = (i: number): string => `+9198200${String(i).padStart(5, '0')}`;

try {
  const results = await Promise.all(
    scripts.map(async (names, i) => {
      await delay((i * 2000) / calls);
      return simulateCall({
        url: stack.gatewayUrl,
        sampleRate: rate,
        from: caller(i),
        audio: names.map((n) => speechFixture(n, rate)),
        quietMs: 400,
        answerTimeoutMs: 15_000,
      });
    }),
  );
  let notIntact = 0;
  let unanswered = 0;
  let wordsSaid = 0;
  let wordsMissing = 0;
  let wordsExtra = 0;
  const byRecording = new Map<string, { turns: number; lost: number }>();
  for (const [i, names] of scripts.entries()) {
    const heard = userMessagesOf(caller(i));
    unanswered += results[i]!.turns.filter((t) => !t.answered).length;
    const saidWords = names.flatMap((n) => fixtureWords(n).words.map((w) => w.word));
    const diff = multisetDiff(
      saidWords,
      heard
        .join(' ')
        .split(/\s+/)
        .filter((w) => w !== ''),
    );
    wordsSaid += saidWords.length;
    wordsMissing += diff.missing;
    wordsExtra += diff.extra;
    // A turn is intact when the model was given exactly its words as one message.
    const unmatched = [...heard];
    for (const name of names) {
      const stat = byRecording.get(name) ?? { turns: 0, lost: 0 };
      stat.turns++;
      const at = unmatched.indexOf(fixtureWords(name).text);
      if (at >= 0) unmatched.splice(at, 1);
      else {
        notIntact++;
        stat.lost++;
      }
      byRecording.set(name, stat);
    }
  }
  const turns = calls * turnsPerCall;
  console.log(
    `\n## Caller words: ${calls} concurrent calls × ${turnsPerCall} turns, ${rate} Hz, fake Sarvam end of speech ${values.eos} ms, agent end of turn ${values.eot} ms, silent flush '${silentFlush}', seed ${seed}`,
  );
  console.log('\n| | count | share |\n| --- | --- | --- |');
  console.log(`| turns spoken | ${turns} | |`);
  console.log(
    `| turns not given to the model exactly, as one message (lost or damaged) | ${notIntact} | ${pct(notIntact, turns)} |`,
  );
  console.log(`| turns the agent did not answer aloud | ${unanswered} | ${pct(unanswered, turns)} |`);
  console.log(
    `| words said / missing / extra | ${wordsSaid} / ${wordsMissing} / ${wordsExtra} | ${pct(wordsMissing, wordsSaid)} missing |`,
  );
  const latencies = results.flatMap((r) => r.turns.map((t) => t.latencyMs)).filter((ms): ms is number => ms !== null);
  console.log(
    `| turns answered more than 2 s after the caller stopped | ${latencies.filter((ms) => ms > 2000).length} | ${pct(latencies.filter((ms) => ms > 2000).length, turns)} |`,
  );
  console.log(
    `\nCaller-side latency (simulator: end of the caller's speech → first agent audio), ms: p50 ${percentile(latencies, 50)}, p95 ${percentile(latencies, 95)}, max ${Math.max(...latencies)}`,
  );
  const worst = [...byRecording.entries()].filter(([, s]) => s.lost > 0).map(([n, s]) => `${n} ${s.lost}/${s.turns}`);
  console.log(`\nRecordings with lost turns: ${worst.length === 0 ? 'none' : worst.join(', ')}`);
} finally {
  await stack.stop();
  await Promise.all([sarvam.close(), openai.close()]);
}
console.log(`\nnode deploy/bench/dist/caller-words.js ${process.argv.slice(2).join(' ')}`.trimEnd());
process.exit(0);

/** The caller's messages in the call's last chat request, found by the caller's number in the system prompt. */
function userMessagesOf(marker: string): string[] {
  type Message = { role: string; content?: unknown };
  const mine = openai.requests.filter((r) =>
    (r.body.messages as Message[] | undefined)?.some(
      (m) => m.role === 'system' && typeof m.content === 'string' && m.content.includes(marker),
    ),
  );
  const last = (mine.at(-1)?.body.messages as Message[] | undefined) ?? [];
  return last.filter((m) => m.role === 'user' && typeof m.content === 'string').map((m) => m.content as string);
}

function multisetDiff(said: string[], heard: string[]): { missing: number; extra: number } {
  const counts = new Map<string, number>();
  for (const w of said) counts.set(w, (counts.get(w) ?? 0) + 1);
  let extra = 0;
  for (const w of heard) {
    const n = counts.get(w) ?? 0;
    if (n > 0) counts.set(w, n - 1);
    else extra++;
  }
  const missing = [...counts.values()].reduce((a, b) => a + b, 0);
  return { missing, extra };
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

function pct(n: number, of: number): string {
  return of === 0 ? '–' : `${((n / of) * 100).toFixed(1)} %`;
}
