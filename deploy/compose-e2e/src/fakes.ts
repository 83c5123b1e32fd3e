#!/usr/bin/env node
/**
 * The compose stack's stand-ins, one per container of the `audexly/fakes` image (a test image,
 * built by deploy/Dockerfile's `fakes` target):
 *
 *   node deploy/compose-e2e/dist/fakes.js sarvam    fake Sarvam STT + TTS (REST and WebSocket) on $PORT
 *   node deploy/compose-e2e/dist/fakes.js openai    fake OpenAI chat completions on $PORT (base URL …/v1)
 *   node deploy/compose-e2e/dist/fakes.js s3        fake S3 on $PORT, SigV4 verified, bucket $S3_BUCKET
 *   node deploy/compose-e2e/dist/fakes.js s3-check  waits until $S3_ENDPOINT answers HeadBucket for $S3_BUCKET, then exits 0
 *   node deploy/compose-e2e/dist/fakes.js traces    OTLP/HTTP (JSON) receiver on 4318; spans listed on 16686 at /api/spans
 *
 * The fakes are libs/testing's (they listen on loopback; a TCP forwarder publishes them on
 * 0.0.0.0:$PORT). The fake STT recognises the speech fixtures by their word tracks, so a call that
 * speaks them gets their exact words; the fake LLM answers `Thanks, I heard you say "<words>". …`.
 */
import { HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import {
  fixtureTranscripts,
  speechFixtureRecordings,
  startFakeOpenAI,
  startFakeS3,
  startFakeSarvam,
} from '@audexly/testing';
import { startOtlpReceiver } from './otlp-receiver.js';
import { forwardTcp } from './tcp-forward.js';

type Stop = () => Promise<void>;

const env = process.env;

function settings<const K extends string>(names: readonly K[]): Record<K, string> {
  const missing = names.filter((name) => !env[name]);
  if (missing.length > 0) throw new Error(`missing environment: ${missing.join(', ')}`);
  return Object.fromEntries(names.map((name) => [name, env[name]!])) as Record<K, string>;
}

const int = (name: string, fallback: number): number => {
  const value = env[name] ? Number(env[name]) : fallback;
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a whole number (got ${env[name]})`);
  return value;
};

/** Publishes a loopback fake on 0.0.0.0:$PORT. */
async function publish(name: string, loopbackUrl: string, closeFake: Stop): Promise<Stop> {
  const port = int('PORT', 8080);
  const forward = await forwardTcp(
    { host: '0.0.0.0', port },
    { host: '127.0.0.1', port: Number(new URL(loopbackUrl).port) },
  );
  console.log(`fake ${name} listening on 0.0.0.0:${port}`);
  return async () => {
    await forward.close();
    await closeFake();
  };
}

async function sarvam(): Promise<Stop> {
  const { SARVAM_API_KEY } = settings(['SARVAM_API_KEY']);
  const recordings = [...(await speechFixtureRecordings(8000)), ...(await speechFixtureRecordings(16000))];
  const fake = await startFakeSarvam({
    apiKey: SARVAM_API_KEY,
    transcripts: fixtureTranscripts(recordings),
    sttLatencyMs: int('STT_LATENCY_MS', 150),
    ttsFirstByteMs: int('TTS_FIRST_BYTE_MS', 200),
  });
  return publish('sarvam', fake.url, () => fake.close());
}

async function openai(): Promise<Stop> {
  const { OPENAI_API_KEY } = settings(['OPENAI_API_KEY']);
  const fake = await startFakeOpenAI({
    apiKey: OPENAI_API_KEY,
    firstTokenMs: int('FIRST_TOKEN_MS', 350),
    tokenDelayMs: int('TOKEN_DELAY_MS', 15),
  });
  return publish('openai', fake.url, () => fake.close());
}

async function s3(): Promise<Stop> {
  const s = settings(['S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY', 'S3_BUCKET']);
  const fake = await startFakeS3({
    accessKeyId: s.S3_ACCESS_KEY_ID,
    secretAccessKey: s.S3_SECRET_ACCESS_KEY,
    buckets: [s.S3_BUCKET],
    region: env.S3_REGION ?? 'us-east-1',
  });
  return publish('s3', fake.url, () => fake.close());
}

async function s3Check(): Promise<null> {
  const s = settings(['S3_ENDPOINT', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY', 'S3_BUCKET']);
  const client = new S3Client({
    endpoint: s.S3_ENDPOINT,
    region: env.S3_REGION ?? 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: s.S3_ACCESS_KEY_ID, secretAccessKey: s.S3_SECRET_ACCESS_KEY },
  });
  const deadline = Date.now() + int('WAIT_MS', 60_000);
  for (;;) {
    try {
      await client.send(new HeadBucketCommand({ Bucket: s.S3_BUCKET }));
      console.log(`bucket ${s.S3_BUCKET} at ${s.S3_ENDPOINT} answers with these credentials`);
      return null;
    } catch (err) {
      if (Date.now() > deadline)
        throw new Error(`bucket ${s.S3_BUCKET} at ${s.S3_ENDPOINT} did not answer HeadBucket`, { cause: err });
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

async function traces(): Promise<Stop> {
  const receiver = await startOtlpReceiver({ host: '0.0.0.0', ports: [4318, 16686] });
  console.log('OTLP/HTTP receiver on 0.0.0.0:4318 (POST /v1/traces, JSON); spans at 0.0.0.0:16686/api/spans');
  return () => receiver.close();
}

const commands: Record<string, () => Promise<Stop | null>> = { sarvam, openai, s3, 's3-check': s3Check, traces };

async function main(): Promise<void> {
  const name = process.argv[2] ?? '';
  const command = commands[name];
  if (!command) throw new Error(`usage: fakes.js ${Object.keys(commands).join('|')}`);
  const stop = await command();
  if (!stop) return;
  const shutdown = () => {
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
