/**
 * Barge-in: the caller starts speaking while the agent is mid-way through a long reply that the
 * model is still streaming. From the caller's speech onset (first speech sample of the utterance on
 * the call timeline, found in audio.in) to: `clear` sent by the gateway (`control.interrupt`), `clear`
 * received by the caller, the LLM stream aborted (the fake OpenAI sees the client close), and the
 * last TTS audio of the interrupted turn published on audio.out. Goal: `clear` within the agent's
 * minimum-speech guard + 20 ms.
 *
 * One simulated call whose caller speaks every 2 s after their previous utterance ended, so each
 * utterance after the first barges in on the answer to the one before. The six services run as
 * child processes (claim subjects unique to the run) on the real NATS.
 *
 * Run: npx tsc -b deploy/bench/tsconfig.build.json && node deploy/bench/dist/barge-in.js
 * Options: --barge-ins 24 --token-delay 40 (ms between streamed tokens) --after 2000 (ms after the
 *          caller's previous utterance ended) --seed 1 (the random lead before each utterance)
 */
import { parseArgs } from 'node:util';
import { simulateCall } from '@audexly/simulator';
import { loadSpeechFixture, randomBelow, seededRandom, startFakeOpenAI, startFakeSarvam } from '@audexly/testing';
import { watchAudio } from './audio-arrivals.js';
import { fetchCallData, findEvent, numberField } from './call-events.js';
import { measureMachineLoad } from './machine-load.js';
import { median, percentile } from './percentiles.js';
import { speechOnsets } from './speech-onsets.js';
import { startVoiceStack } from './voice-stack.js';

const { values } = parseArgs({
  options: {
    'barge-ins': { type: 'string', default: '24' },
    'token-delay': { type: 'string', default: '40' },
    after: { type: 'string', default: '2000' },
    seed: { type: 'string', default: '1' },
  },
});
const bargeIns = Number(values['barge-ins']);
const seed = Number(values.seed);
const random = seededRandom(seed);
console.log(`barge-in: seed ${seed} (--seed ${seed} repeats the same utterance leads)`);
const RATE = 8000;
const FRAME_MS = 100;
const VAD_WINDOW_MS = 32;
const SENTENCES = [
  'Let me walk you through every option we have for your account today.',
  'First, there is the basic savings plan with no monthly fee at all.',
  'Second, the premium plan adds free transfers and a higher interest rate.',
  'Third, our business plan includes invoicing and a dedicated manager.',
  'Each plan can be upgraded or downgraded at any time from the app.',
  'You can also visit any branch and our staff will be glad to help.',
  'Fees are waived for the first three months on every plan.',
  'Interest is credited quarterly, straight into your main balance.',
  'Cards are delivered within five working days of opening the account.',
  'If you travel abroad, the premium card has no currency conversion fee.',
  'Would you like me to explain any of these plans in more detail?',
];
const REPLY = SENTENCES.join(' ');
const now = () => performance.timeOrigin + performance.now();

const natsUrl = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const { pcm: fixture } = await loadSpeechFixture('goforward', RATE);
const sarvam = await startFakeSarvam({ apiKey: 'bench-sarvam', transcripts: () => 'Tell me about your plans.' });
const openai = await startFakeOpenAI({
  apiKey: 'bench-openai',
  reply: () => REPLY,
  tokenDelayMs: Number(values['token-delay']),
});
const audioIn = await watchAudio('audio.in', natsUrl);
const audioOut = await watchAudio('audio.out', natsUrl);
const stack = await startVoiceStack({
  env: {
    NATS_URL: natsUrl,
    SARVAM_API_KEY: 'bench-sarvam',
    SARVAM_BASE_URL: sarvam.url,
    OPENAI_API_KEY: 'bench-openai',
    OPENAI_BASE_URL: openai.url,
  },
});

try {
  const clearsAt: number[] = [];
  const cpu0 = stack.cpuSeconds();
  const machine = measureMachineLoad();
  const began = performance.now();
  const call = await simulateCall({
    url: stack.gatewayUrl,
    sampleRate: RATE,
    frameMs: FRAME_MS,
    // A random 0–99 ms lead before each utterance, so speech onsets fall anywhere within Exotel's
    // 100 ms frames (as real callers' do) instead of at the same offset every time.
    audio: Array.from({ length: bargeIns + 1 }, () => ({
      pcm: Buffer.concat([Buffer.alloc(randomBelow(random, 100) * (RATE / 1000) * 2), fixture]),
      sampleRate: RATE,
      name: 'goforward',
    })),
    // The next utterance starts this long after the previous one ended, while the agent still speaks.
    answerTimeoutMs: Number(values.after),
    quietMs: 300,
    log: (line) => {
      if (line.startsWith('clear')) clearsAt.push(now());
    },
    signal: AbortSignal.timeout((bargeIns + 1) * 15_000 + 30_000),
  });
  const wallS = (performance.now() - began) / 1000;
  const servicesCpu = stack.cpuSeconds() - cpu0;
  const load = machine();

  const { events } = await fetchCallData(stack.apiUrl, stack.apiToken, call.callId);
  const descriptor = findEvent(events, 'call.started')?.call as
    { startedAt: number; agent: { turn: { minSpeechMs: number } } } | undefined;
  if (!descriptor) throw new Error('no call.started in the event log');
  const startedAt = descriptor.startedAt;
  const guardMs = descriptor.agent.turn.minSpeechMs;
  const inAudio = audioIn.of(call.callId);
  const onsets = speechOnsets(inAudio, RATE);
  const chats = openai.requests.filter((r) => r.path.endsWith('/chat/completions'));
  const outAudio = audioOut.of(call.callId);

  const rows: Record<string, number[]> = {};
  const add = (name: string, v: number | null) => {
    if (v !== null && Number.isFinite(v)) (rows[name] ??= []).push(v);
  };
  let measured = 0;
  let llmStillStreaming = 0;
  const problems: string[] = [];
  for (const interrupt of events.filter((e) => e.type === 'control.interrupt' && e.reason === 'barge-in')) {
    const turn = numberField(interrupt, 'turn')!;
    const utterance = turn + 1;
    const started = findEvent(events, 'speech.started', (e) => e.utterance === utterance);
    const vadOnset = numberField(started, 'speechStartMs');
    if (!started || vadOnset === null) {
      problems.push(`turn ${turn}: interrupted, but no speech.started for utterance ${utterance}`);
      continue;
    }
    const onset = onsets
      .filter((o) => Math.abs(o - vadOnset) < 200)
      .sort((a, b) => Math.abs(a - vadOnset) - Math.abs(b - vadOnset))[0];
    if (onset === undefined) {
      problems.push(`utterance ${utterance}: no energy onset near the VAD onset ${vadOnset}`);
      continue;
    }
    measured++;
    const clearSent = interrupt.timelineMs;
    const clearRecv =
      clearsAt.map((t) => t - startedAt).find((t) => t >= clearSent - 2 && t < clearSent + 1000) ?? null;
    // The guard completes at the VAD window that brings the speech to minSpeechMs; the frame holding it must arrive.
    const guardAt = vadOnset + Math.ceil(guardMs / VAD_WINDOW_MS) * VAD_WINDOW_MS;
    const frameEnd = Math.ceil(guardAt / FRAME_MS - 1e-9) * FRAME_MS;
    const frame = inAudio.find((a) => Math.abs(a.timelineMs - (frameEnd - FRAME_MS)) < 0.5);
    const frameAt = frame ? frame.at - startedAt : null;
    // The model request that answered utterance `turn` carries `turn` user messages.
    const chat = chats.find(
      (r) => (r.body.messages as Array<{ role: string }> | undefined)?.filter((m) => m.role === 'user').length === turn,
    );
    const abortedAt = chat?.closedByClientAt !== undefined ? chat.closedByClientAt - startedAt : null;
    if (chat && !chat.completed) llmStillStreaming++;
    const turnOut = outAudio.filter((a) => a.turn === turn);
    const lastOut = turnOut.length > 0 ? turnOut[turnOut.length - 1]!.at - startedAt : null;

    add('onset → clear sent (control.interrupt)', clearSent - onset);
    add('onset → clear received by the caller', clearRecv === null ? null : clearRecv - onset);
    add('clear sent − (onset + guard)', clearSent - onset - guardMs);
    add('  VAD onset stamp − true onset', vadOnset - onset);
    add(
      '  input framing: onset + guard → end of the frame holding the VAD window that completes the guard',
      frameEnd - (onset + guardMs),
    );
    add(
      '  frame end → audio.in on the bus (simulator tick, WS, gateway)',
      frameAt === null ? null : frameAt - frameEnd,
    );
    add('  audio.in → speech.started (NATS, VAD, publish)', frameAt === null ? null : started.timelineMs - frameAt);
    add('  speech.started → clear sent (gateway)', clearSent - started.timelineMs);
    add('onset → LLM stream aborted (fake OpenAI sees the close)', abortedAt === null ? null : abortedAt - onset);
    add('clear sent → LLM stream aborted', abortedAt === null ? null : abortedAt - clearSent);
    add('onset → last TTS audio of the turn published', lastOut === null ? null : lastOut - onset);
    add('clear sent → last TTS audio of the turn published', lastOut === null ? null : lastOut - clearSent);
    add('TTS audio messages of the turn after clear sent', turnOut.filter((a) => a.at - startedAt > clearSent).length);
  }

  console.log(
    `\n## Barge-in (${measured} barge-ins in one call; minimum-speech guard ${guardMs} ms; model streaming a ${SENTENCES.length}-sentence reply at ${values['token-delay']} ms per token)`,
  );
  console.log(
    `clears received by the caller: ${call.clears}; the model was still streaming at ${llmStillStreaming} of ${measured} interrupts`,
  );
  console.log(
    `CPU during the run (${wallS.toFixed(0)} s): services ${((servicesCpu / wallS) * 100).toFixed(0)}% of one core, machine ${(load.busyShare * 100).toFixed(0)}% busy of ${load.cores} cores`,
  );
  console.log('\n| ms | median | p95 | max |\n| --- | --- | --- | --- |');
  for (const [name, xs] of Object.entries(rows))
    console.log(
      `| ${name} | ${median(xs).toFixed(1)} | ${percentile(xs, 95).toFixed(1)} | ${Math.max(...xs).toFixed(1)} |`,
    );
  if (problems.length > 0) console.log(`\n${problems.join('\n')}`);
  if (call.violations.length > 0)
    console.log(`\nExotel protocol violations: ${call.violations.slice(0, 5).join('; ')}`);
} finally {
  await stack.stop();
  await Promise.all([audioIn.stop(), audioOut.stop()]);
  await Promise.all([sarvam.close(), openai.close()]);
}
console.log(
  `\nnode deploy/bench/dist/barge-in.js --barge-ins ${bargeIns} --token-delay ${values['token-delay']} --after ${values.after} --seed ${seed}`,
);
process.exit(0);
