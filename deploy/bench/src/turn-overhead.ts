/**
 * System overhead per turn: voice-to-voice minus the end-of-turn silence minus the time measured
 * inside the STT, LLM and TTS providers (`speech.final.providerMs`, `reply.done.providerFirstTokenMs`,
 * `playback.started.ttsProviderMs`), p50/p95/p99 over many caller turns, with zero-latency fake
 * providers and with realistic fake latencies (STT 150 ms, LLM first token 350 ms, TTS first byte
 * 200 ms). The six services run as child processes (one per service, claim subjects unique to the
 * run) on the real NATS; simulated Exotel callers speak real recorded speech; each call's record and
 * event log come from the api.
 *
 * Run: npx tsc -b deploy/bench/tsconfig.build.json && node deploy/bench/dist/turn-overhead.js
 * Options: --calls 8 (in parallel) --turns 26 (per call) --mode both|zero|realistic
 *          --layout separate|single --profile <dir> (CPU profiles of the service processes)
 *          --speculate off|on|both (`turn.speculate`: the LLM starts at the pause probe; both:
 *          before and after in one run) — also reports model requests per caller turn
 *          --speculate-tts on|off|both (`turn.speculateTts`: TTS of the speculation's first sentence,
 *          when speculating) — also reports TTS texts and characters per caller turn
 *          --probe-ms 150 (the pause probe, `turn.completeness.probeSilenceMs`, where speculation starts)
 *          --stt-endpoint streaming|realtime (Sarvam's socket, `STT_SARVAM_ENDPOINT`; realtime sends
 *          interim transcripts: the fake's every 100 ms of speech audio, as late as its finals)
 *
 * The fake Sarvam recognises the recording word by word (`fixtureTranscripts`): a word is heard
 * once its loudest 20 ms have arrived, so an interim transcript grows as the caller speaks.
 */
import { parseArgs } from 'node:util';
import { simulateCall, type SimulatedCall } from '@audexly/simulator';
import {
  fixtureTranscripts,
  speechFixture,
  speechFixtureRecordings,
  startFakeOpenAI,
  startFakeSarvam,
  type FakeSarvam,
} from '@audexly/testing';
import { watchAudio } from './audio-arrivals.js';
import { fetchCallData } from './call-events.js';
import { measureMachineLoad } from './machine-load.js';
import { percentileRow } from './percentiles.js';
import { turnBreakdowns, type TurnBreakdown } from './turn-breakdown.js';
import { startVoiceStack } from './voice-stack.js';
import { agentConfigSchema, delay } from '@audexly/protocol';
import { writeAgentFile } from './agent-file.js';

/** The agent of the run: the built-in default's providers and 500 ms end of turn, speculating or not. */
function agentFile(speculate: boolean, speculateTts: boolean, probeSilenceMs: number): string {
  const agent = agentConfigSchema.parse({
    id: 'default',
    name: 'Bench receptionist',
    prompt: 'You are a phone receptionist.',
    greeting: 'Namaste! Thank you for calling. How can I help you today?',
    language: 'en-IN',
    stt: { model: 'saarika:v2.5', language: 'en-IN' },
    llm: { model: 'gpt-4o-mini' },
    tts: { model: 'bulbul:v2', speaker: 'anushka', language: 'en-IN' },
    turn: { speculate, speculateTts, completeness: { probeSilenceMs } },
  });
  return writeAgentFile(agent);
}

const { values } = parseArgs({
  options: {
    calls: { type: 'string', default: '8' },
    turns: { type: 'string', default: '26' },
    mode: { type: 'string', default: 'both' },
    layout: { type: 'string', default: 'separate' },
    profile: { type: 'string' },
    speculate: { type: 'string', default: 'off' },
    'speculate-tts': { type: 'string', default: 'on' },
    'probe-ms': { type: 'string', default: '150' },
    'stt-endpoint': { type: 'string', default: 'streaming' },
  },
});
const sttEndpoint = values['stt-endpoint'] === 'realtime' ? 'realtime' : 'streaming';
const speculations = values.speculate === 'both' ? [false, true] : values.speculate === 'on' ? [true] : [false];
const speculateTts = values['speculate-tts'] === 'both' ? [false, true] : [values['speculate-tts'] !== 'off'];
const calls = Number(values.calls);
const turnsPerCall = Number(values.turns);
const probeMs = Number(values['probe-ms']);
const layout = values.layout === 'single' ? 'single' : 'separate';
const modes =
  values.mode === 'both'
    ? (['zero', 'realistic'] as const)
    : ([values.mode === 'realistic' ? 'realistic' : 'zero'] as const);
const RATE = 8000;
const FRAME_MS = 100;
const REPLY = 'Sure, moving ten meters ahead now.';
const TRANSCRIPT = 'Go forward ten meters.';
/** Call starts spread over about one turn's length (speech 2.8 s + silence + answer). */
const STAGGER_MS = 4500;
/** The whole run must end: a hung call is abandoned after this. */
const CALL_DEADLINE_MS = turnsPerCall * 20_000 + 60_000;

const latencies = {
  zero: { sttLatencyMs: 0, firstTokenMs: 0, ttsFirstByteMs: 0 },
  realistic: { sttLatencyMs: 150, firstTokenMs: 350, ttsFirstByteMs: 200 },
} as const;

/** The texts the fake Sarvam was asked to speak, on every TTS socket so far. */
function ttsTexts(sarvam: FakeSarvam): string[] {
  return sarvam.requests.filter((r) => r.endpoint === 'tts-ws').flatMap((r) => r.texts);
}

async function runMode(mode: 'zero' | 'realistic', speculate: boolean, tts: boolean): Promise<void> {
  const l = latencies[mode];
  const natsUrl = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
  const audioIn = await watchAudio('audio.in', natsUrl);
  const recognise = fixtureTranscripts(await speechFixtureRecordings(RATE));
  const sarvam = await startFakeSarvam({
    apiKey: 'bench-sarvam',
    // The whole sentence as Sarvam would punctuate it; what is heard so far as its words.
    transcripts: (audio, rate) => {
      const words = recognise(audio, rate);
      return words === 'go forward ten meters' ? TRANSCRIPT : words;
    },
    sttLatencyMs: l.sttLatencyMs,
    ttsFirstByteMs: l.ttsFirstByteMs,
  });
  const openai = await startFakeOpenAI({
    apiKey: 'bench-openai',
    reply: () => REPLY,
    firstTokenMs: l.firstTokenMs,
    tokenDelayMs: 0,
  });
  const nodeArgs = values.profile ? ['--cpu-prof', `--cpu-prof-dir=${values.profile}/${mode}`] : [];
  const stack = await startVoiceStack({
    layout,
    nodeArgs,
    env: {
      NATS_URL: natsUrl,
      SARVAM_API_KEY: 'bench-sarvam',
      SARVAM_BASE_URL: sarvam.url,
      STT_SARVAM_ENDPOINT: sttEndpoint,
      OPENAI_API_KEY: 'bench-openai',
      OPENAI_BASE_URL: openai.url,
      AGENT_FILE: agentFile(speculate, tts, probeMs),
    },
  });
  try {
    const call = (n: number): Promise<SimulatedCall> =>
      simulateCall({
        url: stack.gatewayUrl,
        sampleRate: RATE,
        frameMs: FRAME_MS,
        audio: Array.from({ length: n }, () => speechFixture('goforward', RATE)),
        quietMs: 300,
        answerTimeoutMs: 15_000,
        signal: AbortSignal.timeout(CALL_DEADLINE_MS),
      });
    // Warm-up (not counted): JIT, provider sockets, and the fake TTS's espeak cache for the reply
    // text (the fake synthesises a text once, ~140 ms, then serves it from its cache).
    await call(2);
    const requests0 = openai.requests.length;
    const ttsTexts0 = ttsTexts(sarvam).length;
    const cpu0 = stack.cpuSeconds();
    const bench0 = process.cpuUsage();
    const machine = measureMachineLoad();
    const began = performance.now();
    // Staggered starts: identical scripts started together would end every turn at the same moment
    // and measure a burst of simultaneous turns rather than independent calls.
    const results = await Promise.all(
      Array.from({ length: calls }, async (_, i) => {
        await delay((i * STAGGER_MS) / calls);
        return call(turnsPerCall);
      }),
    );
    const wallS = (performance.now() - began) / 1000;
    const servicesCpu = stack.cpuSeconds() - cpu0;
    const benchCpu = process.cpuUsage(bench0);
    const load = machine();
    const requests = openai.requests.slice(requests0);
    const texts = ttsTexts(sarvam).slice(ttsTexts0);

    const all: TurnBreakdown[] = [];
    let skipped = 0;
    for (const r of results) {
      const data = await fetchCallData(stack.apiUrl, stack.apiToken, r.callId);
      const b = turnBreakdowns(data, { frameMs: FRAME_MS, vadWindowMs: 32, audioIn: audioIn.of(r.callId) });
      all.push(...b.turns);
      skipped += b.skipped;
    }
    const col = (f: (t: TurnBreakdown) => number) => all.map(f);
    console.log(
      `\n## ${mode === 'zero' ? 'Zero-latency fakes' : 'Realistic fake latencies (STT 150 ms, LLM first token 350 ms, TTS first byte 200 ms)'}, turn.speculate ${speculate ? `on (pause probe at ${probeMs} ms), turn.speculateTts ${tts ? 'on' : 'off'}` : 'off'}`,
    );
    const spoken = calls * turnsPerCall;
    console.log(
      `Model requests: ${requests.length} for ${spoken} caller turns (${(requests.length / spoken).toFixed(2)} per turn), ${requests.filter((r) => r.closedByClient).length} aborted by the LLM stage`,
    );
    const chars = texts.reduce((n, t) => n + t.length, 0);
    console.log(
      `TTS texts: ${texts.length} (${(texts.length / spoken).toFixed(2)} per caller turn), ${chars} characters (${(chars / spoken).toFixed(1)} per caller turn)`,
    );
    console.log(
      `${all.length} turns measured (${skipped} skipped: interrupted or missing a timestamp), ${calls} calls × ${turnsPerCall} turns in parallel (starts spread over ${STAGGER_MS / 1000} s), layout ${layout}, ${RATE} Hz, ${FRAME_MS} ms caller frames`,
    );
    console.log(
      `CPU during the run (${wallS.toFixed(0)} s): services ${((servicesCpu / wallS) * 100).toFixed(0)}% of one core, bench (simulator + fakes) ${(((benchCpu.user + benchCpu.system) / 1e6 / wallS) * 100).toFixed(0)}%, machine ${(load.busyShare * 100).toFixed(0)}% busy of ${load.cores} cores`,
    );
    console.log('\n| ms | p50 | p95 | p99 | max |\n| --- | --- | --- | --- | --- |');
    console.log(
      percentileRow(
        'voice-to-voice',
        col((t) => t.voiceToVoiceMs),
      ),
    );
    console.log(
      percentileRow(
        "  less input framing (the caller frames' phase moves with the answer's timing)",
        col((t) => t.voiceToVoiceMs - t.inputFramingMs),
      ),
    );
    console.log(
      percentileRow(
        'STT provider (speech.final.providerMs)',
        col((t) => t.sttProviderMs),
      ),
    );
    console.log(
      percentileRow(
        'LLM provider (first token)',
        col((t) => t.llmProviderMs),
      ),
    );
    console.log(
      percentileRow(
        'TTS provider (first audio)',
        col((t) => t.ttsProviderMs),
      ),
    );
    console.log(
      percentileRow(
        '**system overhead** (v2v − silence − providers)',
        col((t) => t.overheadMs),
      ),
    );
    const delivered = all.filter((t) => t.frameDeliveryMs !== null);
    console.log(
      percentileRow(
        '  of which input framing (100 ms frames, 32 ms VAD windows)',
        col((t) => t.inputFramingMs),
      ),
    );
    console.log(
      percentileRow(
        `  of which frame delivery (simulator 10 ms tick, WS, gateway → audio.in; n=${delivered.length})`,
        delivered.map((t) => t.frameDeliveryMs!),
      ),
    );
    console.log(
      percentileRow(
        '**system overhead from audio.in to first media**',
        delivered.map((t) => t.overheadMs - t.inputFramingMs - t.frameDeliveryMs!),
      ),
    );
    console.log(
      percentileRow(
        '  audio.in → speech.stopped (NATS, VAD, publish)',
        delivered.map((t) => t.endDetectMs - t.frameDeliveryMs!),
      ),
    );
    console.log(
      percentileRow(
        '  STT flush → final publish (minus provider)',
        col((t) => t.sttMs),
      ),
    );
    console.log(
      percentileRow(
        '  final → first sentence (minus first token)',
        col((t) => t.llmMs),
      ),
    );
    console.log(
      percentileRow(
        '  first sentence → TTS audio at gateway (minus provider)',
        col((t) => t.ttsMs),
      ),
    );
    console.log(
      percentileRow(
        '  gateway first audio in → first media sent (pacer)',
        col((t) => t.pacerMs),
      ),
    );
    const failed = results.filter((r) => r.turns.some((t) => !t.answered) || r.violations.length > 0);
    if (failed.length > 0)
      console.log(`\n${failed.length} call(s) had an unanswered turn or an Exotel protocol violation`);
  } finally {
    await stack.stop();
    await audioIn.stop();
    await Promise.all([sarvam.close(), openai.close()]);
  }
}

for (const mode of modes)
  for (const speculate of speculations)
    for (const tts of speculate ? speculateTts : [false]) await runMode(mode, speculate, tts);
console.log(`\nnode deploy/bench/dist/turn-overhead.js ${process.argv.slice(2).join(' ')}`.trimEnd());
process.exit(0);
