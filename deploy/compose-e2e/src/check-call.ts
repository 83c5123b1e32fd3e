#!/usr/bin/env node
/**
 * The compose e2e's call (deploy/compose-e2e.sh runs it on the host, after `npm run build`): a
 * simulated Exotel caller speaks two real recordings through the gateway's published port, then
 * the call is checked from the outside only — the record, the transcript and the stereo recording
 * through the API, the recording's object in the S3 store, and the call's trace at the OTLP
 * receiver. Prints each check and exits 1 if any failed.
 *
 * Environment: GATEWAY_STREAM_URL (ws://…/api/v1/telephony/exotel/stream/<token>), API_URL,
 * AUDEXLY_API_TOKEN, S3_URL, S3_BUCKET, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY, S3_REGION,
 * TRACES_URL (the receiver's span list; optional: without it the trace is not checked).
 */
import { createHash } from 'node:crypto';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { parseWav } from '@audexly/audio';
import { callRecordSchema, transcriptLineSchema, type CallRecord } from '@audexly/protocol';
import { formatReport, simulateCall } from '@audexly/simulator';
import { fixtureWords, speechFixture, type SpeechFixtureName } from '@audexly/testing';
import type { ReceivedSpan } from './otlp-receiver.js';

const SAYS: SpeechFixtureName[] = ['goforward', 'numbers'];
const RATE = 8000;
/** The six services' OTEL_SERVICE_NAME in docker-compose.yaml. */
const TRACED = ['audexly-gateway', 'audexly-stt', 'audexly-llm', 'audexly-tts'];

const env = process.env;
const failures: string[] = [];

function check(ok: boolean, what: string, detail = ''): boolean {
  console.log(`${ok ? '  ok  ' : '  FAIL'}  ${what}${detail ? ` (${detail})` : ''}`);
  if (!ok) failures.push(what);
  return ok;
}

function required(name: string): string {
  const value = env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

const api = required('API_URL');
const headers = { authorization: `Bearer ${required('AUDEXLY_API_TOKEN')}` };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function getApi(path: string): Promise<Response> {
  return fetch(new URL(path, api), { headers, signal: AbortSignal.timeout(10_000) });
}

/** The record once the recorder wrote it (the API answers 404 until then). */
async function waitForRecord(callId: string): Promise<CallRecord | null> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const res = await getApi(`/api/v1/calls/${callId}`);
    if (res.ok) return callRecordSchema.parse(await res.json());
    if (res.status !== 404) throw new Error(`GET /api/v1/calls/${callId}: HTTP ${res.status} ${await res.text()}`);
    await sleep(500);
  }
  return null;
}

/** Mean absolute sample of one channel of interleaved stereo PCM16LE. */
function channelLevel(pcm: Buffer, channel: 0 | 1): number {
  let sum = 0;
  let n = 0;
  for (let at = channel * 2; at + 1 < pcm.byteLength; at += 4, n++) sum += Math.abs(pcm.readInt16LE(at));
  return n === 0 ? 0 : sum / n;
}

const words = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9' ]+/g, ' ')
    .split(/\s+/)
    .filter(Boolean)
    .join(' ');
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

async function main(): Promise<void> {
  const expected = SAYS.map((name) => fixtureWords(name).text);
  console.log(
    `== a simulated Exotel call: ${SAYS.length} caller turns of recorded speech (${SAYS.map((s) => `"${fixtureWords(s).text}"`).join(', ')})`,
  );
  const call = await simulateCall({
    url: required('GATEWAY_STREAM_URL'),
    audio: SAYS.map((name) => speechFixture(name, RATE)),
    sampleRate: RATE,
    log: (line) => console.log(`· ${line}`),
  });
  console.log(`\n${formatReport(call)}\n`);

  console.log('== the call, as the caller heard it');
  check(call.violations.length === 0, "the gateway kept to Exotel's protocol", call.violations.join('; '));
  check(
    call.greetingLatencyMs !== null && call.greetingAudioMs > 1000,
    'the agent greeted the caller',
    `${call.greetingAudioMs} ms of audio`,
  );
  for (const turn of call.turns)
    check(
      turn.answered && turn.agentAudioMs > 1000,
      `turn ${turn.turn} was answered aloud`,
      `${turn.agentAudioMs} ms of audio, ${turn.latencyMs ?? '—'} ms after the caller stopped`,
    );
  check(call.turns.length === SAYS.length, `all ${SAYS.length} caller turns were played`, `${call.turns.length}`);

  console.log('== the call record, through the API');
  const record = await waitForRecord(call.callId);
  check(record !== null, `GET /api/v1/calls/${call.callId} serves the record`);
  if (!record) return;
  check(
    record.status === 'completed' && record.endReason === 'caller-hangup',
    'completed, the caller hung up',
    `${record.status}, ${record.endReason}`,
  );
  check(
    record.errors.length === 0,
    'no stage reported an error',
    record.errors.map((e) => `${e.stage} ${e.code}`).join('; '),
  );
  const callerSaid = record.transcript.filter((l) => l.role === 'caller').map((l) => l.text);
  check(
    words(callerSaid.join(' ')) === words(expected.join(' ')),
    "the caller's words, transcribed from the audio that crossed the stack",
    JSON.stringify(callerSaid),
  );
  const answers = record.turns.filter((t) => t.turn > 0);
  check(answers.length === SAYS.length, `one answered turn per utterance`, `${answers.length}`);
  answers.forEach((turn, i) => {
    const heard = words(turn.agentText ?? '').includes(words(expected[i] ?? '-'));
    check(heard, `turn ${turn.turn}: the LLM answered what the caller said`, JSON.stringify(turn.agentText));
    const { sttMs, llmMs, ttsMs, voiceToVoiceMs } = turn.latency;
    check(
      voiceToVoiceMs !== null && voiceToVoiceMs > 0,
      `turn ${turn.turn}: voice-to-voice latency measured`,
      `${voiceToVoiceMs} ms: stt ${sttMs} ms, llm ${llmMs} ms, tts ${ttsMs} ms`,
    );
  });

  console.log('== the transcript, through the API');
  const transcriptRes = await getApi(`/api/v1/calls/${call.callId}/transcript`);
  const transcript = transcriptRes.ok
    ? transcriptLineSchema.array().parse(((await transcriptRes.json()) as { transcript: unknown }).transcript)
    : [];
  check(
    transcriptRes.ok && transcript.length === record.transcript.length,
    `GET /api/v1/calls/${call.callId}/transcript`,
    `HTTP ${transcriptRes.status}, ${transcript.length} lines`,
  );
  for (const line of transcript)
    console.log(`        [${(line.timelineMs / 1000).toFixed(1).padStart(5)} s] ${line.role.padEnd(6)} ${line.text}`);
  check(
    transcript[0]?.role === 'agent' && transcript.some((l) => l.role === 'caller'),
    'greeting first, then caller and agent lines',
  );

  console.log('== the stereo recording, through the API and in the S3 store');
  const info = record.recording;
  check(info?.store === 's3', 'the record names a recording kept in S3', info ? `${info.store} ${info.key}` : 'none');
  if (info?.store !== 's3') return;
  const res = await getApi(`/api/v1/calls/${call.callId}/recording`);
  const body = Buffer.from(await res.arrayBuffer());
  check(
    res.status === 200 && (res.headers.get('content-type') ?? '').includes('audio/wav'),
    `GET /api/v1/calls/${call.callId}/recording`,
    `HTTP ${res.status}, ${res.headers.get('content-type')}, ${body.byteLength} bytes`,
  );
  const wav = parseWav(body);
  const seconds = wav.pcm.byteLength / 4 / wav.sampleRate;
  check(
    wav.channels === 2 && wav.sampleRate === RATE,
    "stereo at the call's rate",
    `${wav.channels} channels, ${wav.sampleRate} Hz`,
  );
  check(
    Math.abs(seconds - call.durationMs / 1000) < 1.5,
    'as long as the call',
    `${seconds.toFixed(1)} s recorded, ${(call.durationMs / 1000).toFixed(1)} s call`,
  );
  const caller = channelLevel(wav.pcm, 0);
  const agent = channelLevel(wav.pcm, 1);
  check(
    caller > 20 && agent > 20,
    'the caller on the left, the agent on the right, both audible',
    `mean levels ${caller.toFixed(0)} / ${agent.toFixed(0)}`,
  );

  const s3 = new S3Client({
    endpoint: required('S3_URL'),
    region: env.S3_REGION ?? 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: required('S3_ACCESS_KEY_ID'), secretAccessKey: required('S3_SECRET_ACCESS_KEY') },
  });
  const object = await s3.send(new GetObjectCommand({ Bucket: required('S3_BUCKET'), Key: info.key }));
  const stored = Buffer.from(await object.Body!.transformToByteArray());
  check(
    sha256(stored) === sha256(body),
    `the S3 store holds the same bytes (s3://${required('S3_BUCKET')}/${info.key}, signed GetObject)`,
    `${stored.byteLength} bytes`,
  );

  const tracesUrl = env.TRACES_URL;
  if (!tracesUrl) return;
  console.log("== the call's trace, at the OTLP receiver");
  // The services batch spans (5 s by default): wait for every stage's to arrive.
  const deadline = Date.now() + 20_000;
  let spans: ReceivedSpan[] = [];
  let services = new Set<string>();
  for (;;) {
    spans = (await (
      await fetch(new URL('/api/spans', tracesUrl), { signal: AbortSignal.timeout(5000) })
    ).json()) as ReceivedSpan[];
    services = new Set(spans.map((s) => s.service));
    if (TRACED.every((s) => services.has(s)) || Date.now() > deadline) break;
    await sleep(1000);
  }
  check(
    TRACED.every((s) => services.has(s)),
    `spans arrived from ${TRACED.join(', ')}`,
    [...services].sort().join(', '),
  );
  // One trace that crosses NATS: a consumer span of one service under a producer span of another.
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const crossings = spans.filter(
    (s) => s.kind === 5 && byId.get(s.parentSpanId)?.kind === 4 && byId.get(s.parentSpanId)?.service !== s.service,
  );
  check(
    crossings.length > 0,
    "trace context crossed NATS (a consumer span whose parent is another service's producer span)",
    crossings
      .slice(0, 3)
      .map((s) => `${byId.get(s.parentSpanId)!.service} → ${s.service} ${s.name}`)
      .join('; '),
  );
}

main().then(
  () => {
    console.log(
      failures.length === 0
        ? '\ncompose e2e call: every check held'
        : `\ncompose e2e call: ${failures.length} check(s) failed:\n${failures.map((f) => `  - ${f}`).join('\n')}`,
    );
    process.exit(failures.length === 0 ? 0 : 1);
  },
  (err: unknown) => {
    console.error('compose e2e call failed:', err);
    process.exit(1);
  },
);
