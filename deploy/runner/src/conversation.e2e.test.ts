import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCallEvents } from '@audexly/bus';
import type { AgentConfigInput, AnyEvent, CallRecord, ReplySegment } from '@audexly/protocol';
import { simulateCall, type SimulateCallOptions, type SimulatedCall } from '@audexly/simulator';
import {
  speechFixture,
  synthesizeSpeech,
  type ChatMessage,
  type FakeReply,
  type OpenAIRequestLog,
} from '@audexly/testing';
import { waitForRecord } from './test/call-records.js';
import { startInProcessPlatform, type InProcessPlatform } from './test/in-process-platform.js';
import { storeTestAgent, type TestAgent } from './test/test-agents.js';

/**
 * The conversation engine as a caller experiences it: all six services in-process on the real NATS,
 * the fake Sarvam and OpenAI behind the official SDKs, a simulated Exotel caller speaking recorded
 * speech. Each scenario is one call to its own agent (its own number, prompt, tools and limits);
 * the fake model answers by the scenario named in the system prompt. Scenarios whose calls cannot
 * disturb each other run at once; those that script a provider failure for "the next request"
 * run alone, afterwards.
 */

const GO = 'Go forward ten meters.';
const NUMBERS = 'One two three four five.';
const GREETING = 'Hello, how can I help?';
/** Barge-in: a short first sentence (heard in full before the caller cuts in), then a long tail. */
const LONG_REPLY = [
  'Sure.',
  'Here is a long answer about moving forward safely and slowly.',
  'First, check that the path ahead of you is completely clear.',
  'Second, keep your speed low for the first few meters of the way.',
  'Third, watch the obstacle sensors on the left side of the robot.',
  'Fourth, stop immediately if anything at all blocks the way ahead.',
  'Fifth, report your position to the base once you have arrived.',
  'Sixth, wait patiently for the next instruction from the base.',
  'Seventh, keep the battery level above twenty percent at all times.',
  'Eighth, write every stop you make into the journey record.',
  'Ninth, keep the camera pointed forward so the base can see.',
  'Tenth, never leave the marked lane while the robot is moving.',
  'Eleventh, sound the horn twice before you start to move again.',
  'Twelfth, check the wheels for damage at the end of the journey.',
  'And that is the very last sentence of this rather long answer.',
];
const MEDIUM_REPLY =
  'Sure. Moving ten meters ahead now, slowly and carefully. I will tell you as soon as I have arrived there.';
const HINDI_SENTENCES = ['जी हाँ, मैं आपकी सहायता ज़रूर करूँगी।', 'आप सीधे दस मीटर आगे चलिए।', 'क्या मैं आपको और कुछ बता सकती हूँ?'];
const TRANSFER_TO = '+919800000001';

/** The fake model's script per scenario: the reply to a conversation. */
const scripts = new Map<string, (messages: ChatMessage[]) => FakeReply>();
const userTexts = (messages: ChatMessage[]) => messages.filter((m) => m.role === 'user').map((m) => m.content ?? '');
const scenarioOf = (messages: ChatMessage[]) => /Scenario (\w+)\./.exec(messages[0]?.content ?? '')?.[1] ?? '';

let platform: InProcessPlatform;
const agents: TestAgent[] = [];

/** What a scenario's call left behind: the caller's view, the services' view, the record. */
interface Outcome {
  call: SimulatedCall;
  events: AnyEvent[];
  record: CallRecord;
  /** The model requests of this scenario's agent, in order. */
  chat: OpenAIRequestLog[];
}

/** Makes an agent for a scenario; the model answers with `script`. */
async function agentFor(
  tag: string,
  script: (messages: ChatMessage[]) => FakeReply,
  config: Partial<AgentConfigInput> = {},
): Promise<TestAgent> {
  scripts.set(tag, script);
  const agent = await storeTestAgent(platform.bus, {
    id: `e2e-conversation-${tag}-${randomUUID().slice(0, 8)}`,
    name: `e2e ${tag}`,
    prompt: `Scenario ${tag}. You are a test agent.`,
    greeting: GREETING,
    ...config,
  });
  agents.push(agent);
  return agent;
}

async function runCall(agent: TestAgent, tag: string, options: Omit<SimulateCallOptions, 'url'>): Promise<Outcome> {
  // An answer is over after 1.5 s without agent audio: on a loaded machine the next sentence's speech can take a while.
  const call = await simulateCall({
    url: platform.gatewayUrl,
    to: agent.number,
    quietMs: 1500,
    answerTimeoutMs: 20_000,
    ...options,
  });
  const record = await waitForRecord(platform.apiUrl, call.callId);
  const events = await readCallEvents(platform.bus, call.callId);
  const chat = platform.openai.requests.filter(
    (r) => scenarioOf((r.body.messages as ChatMessage[] | undefined) ?? []) === tag,
  );
  return { call, events, record, chat };
}

/** A scenario started ahead of its test (so scenarios overlap); its test awaits the outcome. */
function launch(run: () => Promise<Outcome>): () => Promise<Outcome> {
  const settled = run().then(
    (outcome) => ({ ok: true as const, outcome }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  launched.push(settled);
  return async () => {
    const result = await settled;
    if (!result.ok) throw result.error;
    return result.outcome;
  };
}
const launched: Promise<unknown>[] = [];

const segmentsOf = (events: AnyEvent[], turn: number) =>
  events
    .filter((e): e is ReplySegment => e.type === 'reply.segment' && e.turn === turn)
    .sort((a, b) => a.segment - b.segment);
const marksOf = (call: SimulatedCall, turn: number) => call.markEchoes.filter((m) => m.name.startsWith(`t${turn}s`));
const sent = (r: OpenAIRequestLog) =>
  (r.body.messages as ChatMessage[]).map((m) => ({ role: m.role, content: m.content }));

let multiTurn: () => Promise<Outcome>;
let bargeIn: () => Promise<Outcome>;
let falseBargeIn: () => Promise<Outcome>;
let endCall: () => Promise<Outcome>;
let transfer: () => Promise<Outcome>;
let dtmf: () => Promise<Outcome>;
let idle: () => Promise<Outcome>;
let hindi: () => Promise<Outcome>;

beforeAll(async () => {
  // The fake TTS speaks with espeak-ng in this process, synchronously, one sentence at a time: the
  // long answer's sentences, synthesised while the caller barges in, would block the event loop all
  // six services share here (delaying the caller's speech.started by seconds on a loaded machine,
  // which no deployment has). Synthesised now, they are served from the fake's cache.
  for (const text of LONG_REPLY) await synthesizeSpeech({ text, voice: 'en', sampleRate: 8000, pace: 1 });
  platform = await startInProcessPlatform({
    // What Sarvam is asked for at the pause that ends each turn: goforward's utterance (pre-roll and
    // speech, ≈ 2.1 s) is under 3 s, numbers' (≈ 3.3 s) is longer. Under a second is the fading end of
    // a last word after that pause, flushed on its own: no words. (This was 3.6 s while a turn's
    // fading end went with the next utterance and lengthened it.)
    sarvam: {
      transcripts: (audio, rate) => {
        const seconds = audio.length / (rate * 2);
        return seconds > 3 ? NUMBERS : seconds > 1 ? GO : '';
      },
    },
    // A slow-ish model, so a long answer is still streaming when the caller barges in.
    openai: {
      reply: (messages) => scripts.get(scenarioOf(messages))?.(messages) ?? 'I have no script for this.',
      tokenDelayMs: 25,
    },
  });
  const [multi, barge, noise, ender, transferrer, keys, silent, hindiAgent] = await Promise.all([
    agentFor('multi', (m) => (userTexts(m).length === 1 ? 'Sure, moving ten meters ahead.' : 'Noted, one to five.')),
    agentFor('bargein', (m) => (userTexts(m).length === 1 ? LONG_REPLY.join(' ') : 'Okay, one to five then.')),
    agentFor('noise', () => MEDIUM_REPLY, { turn: { minSpeechMs: 300 } }),
    agentFor('endcall', () => ({
      toolCall: { name: 'end_call', arguments: JSON.stringify({ reason: 'the caller is done' }) },
    })),
    agentFor(
      'transfer',
      () => ({ toolCall: { name: 'transfer_call', arguments: JSON.stringify({ reason: 'wants a human' }) } }),
      { tools: { transferNumber: TRANSFER_TO } },
    ),
    agentFor('dtmf', (m) =>
      userTexts(m).at(-1)?.startsWith('[DTMF]') ? 'You pressed one two three.' : 'Please press some keys.',
    ),
    agentFor('idle', () => 'Nobody should ask me anything.', { limits: { idleRepromptMs: 1500, idleHangupMs: 3500 } }),
    agentFor('hindi', () => HINDI_SENTENCES.join(' '), {
      language: 'hi-IN',
      greeting: 'नमस्ते! मैं आपकी क्या सहायता कर सकती हूँ?',
      stt: { language: 'hi-IN' },
      tts: { language: 'hi-IN' },
    }),
  ]);
  const go = speechFixture('goforward', 8000);
  const numbers = speechFixture('numbers', 8000);
  multiTurn = launch(() => runCall(multi, 'multi', { audio: [go, numbers] }));
  bargeIn = launch(() =>
    runCall(barge, 'bargein', { turns: [{ audio: go }, { audio: numbers, bargeInAfterMs: 1500 }] }),
  );
  falseBargeIn = launch(() =>
    runCall(noise, 'noise', {
      turns: [
        { audio: go },
        { audio: go, clip: { fromMs: 1000, ms: 100 }, bargeInAfterMs: 1000, expectAnswer: false, name: 'noise' },
      ],
    }),
  );
  endCall = launch(() => runCall(ender, 'endcall', { audio: [go], stayOnLineMs: 10_000 }));
  transfer = launch(() => runCall(transferrer, 'transfer', { audio: [go], stayOnLineMs: 10_000 }));
  dtmf = launch(() => runCall(keys, 'dtmf', { turns: [{ dtmf: '123#' }] }));
  idle = launch(() => runCall(silent, 'idle', { stayOnLineMs: 15_000 }));
  hindi = launch(() => runCall(hindiAgent, 'hindi', { audio: [go] }));
}, 60_000);

afterAll(async () => {
  await Promise.allSettled(launched);
  await Promise.allSettled(agents.map((a) => a.remove()));
  await platform?.stop();
}, 60_000);

describe('a conversation through all six services', () => {
  it('remembers the first turn in the second: the model gets both, the record has both with latencies', async () => {
    const { call, record, chat } = await multiTurn();
    expect(call.violations).toEqual([]);
    expect(call.turns.map((t) => t.answered)).toEqual([true, true]);
    expect(call.turns.every((t) => t.agentAudioMs > 500)).toBe(true);

    expect(chat).toHaveLength(2);
    expect(sent(chat[1]!).slice(1)).toEqual([
      { role: 'assistant', content: GREETING },
      { role: 'user', content: GO },
      { role: 'assistant', content: 'Sure, moving ten meters ahead.' },
      { role: 'user', content: NUMBERS },
    ]);

    expect(record.transcript.map((l) => [l.role, l.text])).toEqual([
      ['agent', GREETING],
      ['caller', GO],
      ['agent', 'Sure, moving ten meters ahead.'],
      ['caller', NUMBERS],
      ['agent', 'Noted, one to five.'],
    ]);
    for (const n of [1, 2]) {
      const turn = record.turns.find((t) => t.turn === n)!;
      expect(turn.latency.voiceToVoiceMs).toBeGreaterThan(0);
      expect(turn.latency.sttMs).not.toBeNull();
      expect(turn.latency.llmMs).not.toBeNull();
    }
  }, 60_000);

  it('barge-in: the caller hears clear, the model stream is aborted, and only the heard segments stay in the history', async () => {
    const { call, events, record, chat } = await bargeIn();
    expect(call.violations).toEqual([]);
    // The caller cut in while the long answer played, and got `clear` while still speaking.
    expect(call.turns[1]!.spokeOverAgent).toBe(true);
    expect(call.clears).toBe(1);
    const clearAfter = call.turns[1]!.clearAfterOnsetMs;
    expect(clearAfter).not.toBeNull();
    expect(clearAfter!).toBeGreaterThan(0);
    const clearAt = call.clearLog[0]!.atMs;
    expect(clearAt).toBeLessThan(call.turns[1]!.speechEndAtMs!);
    // No more of the interrupted answer reached the caller after the clear.
    expect(call.mediaLog.filter((m) => m.atMs > clearAt + 100 && m.atMs < call.turns[1]!.speechEndAtMs!)).toEqual([]);
    // The barge-in was answered.
    expect(call.turns[1]!.answered).toBe(true);

    // The model was still streaming the long answer and the LLM service closed that stream.
    expect(chat).toHaveLength(2);
    expect(chat[0]!).toMatchObject({ closedByClient: true, completed: false });
    // TTS never got the tail of the answer.
    const tts = platform.sarvam.requests.find((r) => r.endpoint === 'tts-ws' && r.texts.includes(LONG_REPLY[1]!));
    expect(tts).toBeDefined();
    expect(tts!.texts).not.toContain(LONG_REPLY.at(-1));

    // What was heard: the segments of turn 1 whose marks came back before the clear.
    const published = segmentsOf(events, 1);
    const heard = marksOf(call, 1)
      .filter((m) => m.atMs < clearAt)
      .map((m) => Number(m.name.split('s')[1]));
    expect(heard.length).toBeGreaterThan(0);
    expect(heard.length).toBeLessThan(published.length);
    const heardText = published
      .filter((s) => heard.includes(s.segment))
      .map((s) => s.text)
      .join(' ');
    expect(heardText.startsWith('Sure.')).toBe(true);
    // The model's next request holds exactly that, then the caller's words.
    expect(sent(chat[1]!).slice(1)).toEqual([
      { role: 'assistant', content: GREETING },
      { role: 'user', content: GO },
      { role: 'assistant', content: heardText },
      { role: 'user', content: NUMBERS },
    ]);

    // The record marks the agent's line as interrupted, with the heard text only.
    const line = record.transcript.find((l) => l.role === 'agent' && l.turn === 1)!;
    expect(line).toMatchObject({ interrupted: true, text: heardText });
    expect(record.turns.find((t) => t.turn === 1)!.interrupted).toBe(true);
    expect(record.transcript.at(-1)).toMatchObject({
      role: 'agent',
      text: 'Okay, one to five then.',
      interrupted: false,
    });
  }, 60_000);

  it('a noise burst shorter than minSpeechMs while the agent speaks interrupts nothing', async () => {
    const { call, events, record, chat } = await falseBargeIn();
    expect(call.violations).toEqual([]);
    // The burst went out while the answer was playing.
    const answerMedia = call.mediaLog.filter((m) => m.atMs > call.turns[0]!.endedAtMs);
    expect(call.turns[1]!.startedAtMs).toBeGreaterThan(answerMedia[0]!.atMs);
    expect(call.turns[1]!.endedAtMs).toBeLessThan(answerMedia.at(-1)!.atMs);
    // No clear; every segment of the answer was played and its mark came back.
    expect(call.clears).toBe(0);
    const published = segmentsOf(events, 1);
    expect(published.map((s) => s.text).join(' ')).toBe(MEDIUM_REPLY);
    expect(marksOf(call, 1).map((m) => m.name)).toEqual(published.map((s) => `t1s${s.segment}`));
    expect(events.some((e) => e.type === 'control.interrupt' || e.type === 'playback.interrupted')).toBe(false);
    expect(chat).toHaveLength(1);
    expect(chat[0]!).toMatchObject({ completed: true, closedByClient: false });
    expect(record.transcript.filter((l) => l.role === 'caller').map((l) => l.text)).toEqual([GO]);
    expect(record.transcript.find((l) => l.turn === 1 && l.role === 'agent')).toMatchObject({
      text: MEDIUM_REPLY,
      interrupted: false,
    });
  }, 60_000);

  it('end_call: the caller hears the goodbye, then the gateway closes the socket with 1000', async () => {
    const { call, events, record, chat } = await endCall();
    expect(call.violations).toEqual([]);
    expect(chat).toHaveLength(1);
    const goodbye = segmentsOf(events, 1);
    expect(goodbye.map((s) => s.text)).toEqual(['Thank you for calling. Goodbye!']);
    expect(call.endedBy).toBe('gateway');
    expect(call.close?.code).toBe(1000);
    const mark = call.markEchoes.find((m) => m.name === 't1s0');
    expect(mark).toBeDefined();
    expect(mark!.atMs).toBeLessThanOrEqual(call.closedAtMs!);
    expect(call.turns[0]!.agentAudioMs).toBeGreaterThan(500);
    expect(events.find((e) => e.type === 'control.hangup')).toMatchObject({ afterTurn: 1 });
    expect(record).toMatchObject({ endReason: 'agent-hangup', hungUpBy: 'agent', status: 'completed' });
    expect(record.transcript.at(-1)).toMatchObject({ role: 'agent', text: 'Thank you for calling. Goodbye!' });
  }, 60_000);

  it("transfer_call: the socket closes after the handover line and Exotel's Connect applet gets the agent's number", async () => {
    const { call, record } = await transfer();
    expect(call.violations).toEqual([]);
    expect(call.endedBy).toBe('gateway');
    expect(call.close?.code).toBe(1000);
    const mark = call.markEchoes.find((m) => m.name === 't1s0');
    expect(mark).toBeDefined();
    expect(mark!.atMs).toBeLessThanOrEqual(call.closedAtMs!);
    const res = await fetch(`${platform.gatewayHttp}/api/v1/telephony/exotel/transfer-target?CallSid=${call.callSid}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ destination: { numbers: [TRANSFER_TO] } });
    expect(record).toMatchObject({ endReason: 'transfer', hungUpBy: 'agent' });
    expect(record.transcript.at(-1)).toMatchObject({ role: 'agent', text: 'Please hold while I transfer your call.' });
  }, 60_000);

  it('DTMF keys reach the model as one caller input, and the answer is spoken', async () => {
    const { call, record, chat } = await dtmf();
    expect(call.violations).toEqual([]);
    expect(call.dtmfSent.map((d) => d.digit).join('')).toBe('123#');
    expect(chat).toHaveLength(1);
    expect(sent(chat[0]!).at(-1)).toEqual({ role: 'user', content: '[DTMF] 123#' });
    expect(call.turns[0]!).toMatchObject({ kind: 'dtmf', answered: true });
    expect(call.turns[0]!.agentAudioMs).toBeGreaterThan(500);
    // An answer to keys continues the agent's latest turn (here the greeting's, turn 0) as a further segment.
    expect(record.transcript.map((l) => [l.role, l.text])).toEqual([
      ['agent', `${GREETING} You pressed one two three.`],
    ]);
    expect(call.markEchoes.map((m) => m.name)).toEqual(['t0s0', 't0s1']);
  }, 60_000);

  it('a silent caller hears the idle prompt, then the goodbye, then the socket closes', async () => {
    const { call, record, chat } = await idle();
    expect(call.violations).toEqual([]);
    expect(chat).toHaveLength(0);
    // Greeting, idle prompt, goodbye — each heard to its end — then the gateway hangs up.
    expect(call.markEchoes.map((m) => m.name)).toEqual(['t0s0', 't0s1', 't0s2']);
    const [greeting, prompt, goodbye] = call.markEchoes;
    expect(prompt!.atMs - greeting!.atMs).toBeGreaterThanOrEqual(1500);
    expect(goodbye!.atMs - greeting!.atMs).toBeGreaterThanOrEqual(3500);
    expect(call.endedBy).toBe('gateway');
    expect(call.close?.code).toBe(1000);
    expect(call.closedAtMs!).toBeGreaterThanOrEqual(goodbye!.atMs);
    expect(record).toMatchObject({ endReason: 'agent-hangup', hungUpBy: 'agent' });
    expect(record.transcript.map((l) => l.text).join(' ')).toBe(
      `${GREETING} Are you still there? Thank you for calling. Goodbye!`,
    );
  }, 60_000);

  it('Hindi: the answer is split at the danda, the TTS gets Hindi text, and it plays', async () => {
    const { call, events, record, chat } = await hindi();
    expect(call.violations).toEqual([]);
    expect(chat).toHaveLength(1);
    expect(segmentsOf(events, 1).map((s) => s.text)).toEqual(HINDI_SENTENCES);
    const tts = platform.sarvam.requests.find((r) => r.endpoint === 'tts-ws' && r.texts.includes(HINDI_SENTENCES[0]!));
    expect(tts).toBeDefined();
    expect(tts!.texts).toEqual(expect.arrayContaining(HINDI_SENTENCES));
    expect(tts!.params.target_language_code ?? tts!.params.language_code).toBe('hi-IN');
    expect(call.turns[0]!.answered).toBe(true);
    expect(call.turns[0]!.agentAudioMs).toBeGreaterThan(2000);
    expect(marksOf(call, 1).map((m) => m.name)).toEqual(['t1s0', 't1s1', 't1s2']);
    expect(record.transcript.at(-1)).toMatchObject({ role: 'agent', text: HINDI_SENTENCES.join(' ') });
  }, 60_000);
});

// These script a failure for the fakes' next request, so they run alone, after the others.
describe('provider failures during a conversation', () => {
  it('a Sarvam STT socket failure falls back to REST: the turn is still transcribed and answered', async () => {
    await Promise.allSettled(launched);
    const agent = await agentFor('sttfallback', () => 'Sure, moving ten meters ahead.');
    const from = platform.sarvam.requests.length;
    platform.sarvam.inject({ on: 'stt-ws', close: 1011 });
    const { call, record, chat } = await runCall(agent, 'sttfallback', { audio: [speechFixture('goforward', 8000)] });
    const since = platform.sarvam.requests.slice(from);
    expect(since.find((r) => r.endpoint === 'stt-ws')?.closed).toBe(true);
    const rest = since.filter((r) => r.endpoint === 'stt-rest');
    expect(rest).toHaveLength(1);
    expect(rest[0]!.audio.length).toBeGreaterThan(1.5 * 16000);
    expect(sent(chat[0]!).at(-1)).toEqual({ role: 'user', content: GO });
    expect(call.turns[0]!.answered).toBe(true);
    expect(record.transcript.map((l) => [l.role, l.text])).toEqual([
      ['agent', GREETING],
      ['caller', GO],
      ['agent', 'Sure, moving ten meters ahead.'],
    ]);
  }, 60_000);

  it('an OpenAI 401 fails one turn: the caller hears the apology, the record has the llm error, the next turn works', async () => {
    await Promise.allSettled(launched);
    const agent = await agentFor('llmerror', () => 'The second turn works.');
    platform.openai.inject({ kind: 'status', status: 401 });
    const { call, events, record, chat } = await runCall(agent, 'llmerror', {
      audio: [speechFixture('goforward', 8000), speechFixture('numbers', 8000)],
    });
    expect(chat.map((r) => r.status)).toEqual([401, 200]);
    const apology = "Sorry, I'm having trouble right now. Could you say that again?";
    expect(segmentsOf(events, 1).map((s) => s.text)).toEqual([apology]);
    expect(call.turns.map((t) => t.answered)).toEqual([true, true]);
    expect(marksOf(call, 1).map((m) => m.name)).toEqual(['t1s0']);
    expect(record.errors).toEqual([expect.objectContaining({ stage: 'llm', turn: 1 })]);
    expect(record.endReason).toBe('caller-hangup');
    expect(record.transcript.map((l) => [l.role, l.text])).toEqual([
      ['agent', GREETING],
      ['caller', GO],
      ['agent', apology],
      ['caller', NUMBERS],
      ['agent', 'The second turn works.'],
    ]);
  }, 60_000);
});
