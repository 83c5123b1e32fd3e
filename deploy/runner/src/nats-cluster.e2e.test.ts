import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { jetstreamManager } from '@nats-io/jetstream';
import { simulateCall, type SimulatedCall } from '@audexly/simulator';
import { AUDIO_STREAM, EVENTS_STREAM } from '@audexly/bus';
import { fixtureTranscripts, fixtureWords, loadSpeechFixture, speechFixtureRecordings } from '@audexly/testing';
import type { CallRecord } from '@audexly/protocol';
import { holdsCallerAudio, waitForRecord } from './test/call-records.js';
import { startInProcessPlatform, type InProcessPlatform } from './test/in-process-platform.js';
import { userMessagesOf } from './test/spoken-turns.js';
import { dockerUnavailable, startNatsCluster, type NatsCluster, type NatsNode } from './test/nats-cluster.js';

/**
 * The platform on a three-node NATS cluster (containers of the locally built NATS image, started
 * by testcontainers), every stream and bucket replicated three times. A node is lost in the middle
 * of the caller's speech — stopped, or cut off the network — and every call carries on: the
 * utterance reaches the agent whole, the next turn is answered, the recording holds the caller's
 * audio, the record is stored. Needs Docker; skipped with the reason where none runs.
 *
 * Found by it and fixed: buckets made with one replica, provisioning racing itself on a fresh
 * cluster, the recorder giving up at the first timed-out JetStream request, and caller frames that
 * died in flight with the lost server (the STT now asks for them again: `control.audio-resend`).
 * Still true: records and recordings can come 10–35 s late after a node loss (docs/benchmarks.md).
 */
const unavailable = await dockerUnavailable();
if (unavailable) console.warn(`nats-cluster tests skipped: ${unavailable}`);
// CI runs them: there a missing engine or image is a failure, not a skip.
if (unavailable && process.env.REQUIRE_DOCKER === '1') throw new Error(`nats-cluster tests cannot run: ${unavailable}`);

const RATE = 8000;
const CALLS = 3;
let cluster: NatsCluster | undefined;
let platform: InProcessPlatform | undefined;

beforeAll(async () => {
  if (unavailable) return;
  cluster = await startNatsCluster(3);
  platform = await startInProcessPlatform({
    sarvam: { transcripts: fixtureTranscripts(await speechFixtureRecordings(RATE)) },
    openai: { reply: () => 'Okay.' },
    env: {
      NATS_URL: cluster.url,
      JETSTREAM_REPLICAS: '3',
      AGENT_GREETING: 'Hello.',
      AGENT_PROMPT: 'You are a test agent. The caller is {{caller}}.',
    },
  });
}, 120_000);

afterAll(async () => {
  await platform?.stop();
  await cluster?.stop();
}, 60_000);

/** The node that leads `stream` (its name is the server name, n1…n3). */
async function leaderOf(stream: string): Promise<NatsNode> {
  const jsm = await jetstreamManager(platform!.bus.nc);
  const info = await jsm.streams.info(stream);
  const leader = cluster!.nodes.find((n) => n.name === info.cluster?.leader);
  if (!leader) throw new Error(`no leader for ${stream}: ${JSON.stringify(info.cluster)}`);
  return leader;
}

/**
 * Waits until every stream (the KV buckets' and the object store's too) has a leader and every
 * replica is current: a node that was cut off has caught up. Until then the cluster could not lose
 * another node, and the next fault would test two lost nodes, not one.
 */
async function clusterHealthy(): Promise<number> {
  const started = Date.now();
  const jsm = await jetstreamManager(platform!.bus.nc);
  await vi.waitFor(
    async () => {
      for await (const info of jsm.streams.list()) {
        expect(info.cluster?.leader, info.config.name).toBeTruthy();
        const lagging = (info.cluster?.replicas ?? []).filter((r) => !r.current || r.offline);
        expect(lagging, info.config.name).toEqual([]);
      }
    },
    { timeout: 60_000, interval: 500 },
  );
  return Date.now() - started;
}

/**
 * CALLS callers each say a long utterance (7.1 s) then a short one; `fault` runs once every caller
 * is 1.5 s into the long one. Returns each call, its record and the fault's own figures.
 */
async function callsThrough(fault: () => Promise<void>): Promise<{ calls: SimulatedCall[]; records: CallRecord[] }> {
  const long = await loadSpeechFixture('librivox-0870', RATE);
  const short = await loadSpeechFixture('goforward', RATE);
  const before = platform!.sarvam.requests.length;
  const callers = Array.from({ length: CALLS }, (_, i) => `+91980000${String(1000 + i)}`);
  const calling = callers.map((from) =>
    simulateCall({
      url: platform!.gatewayUrl,
      sampleRate: RATE,
      from,
      audio: [
        { pcm: long.pcm, sampleRate: RATE, name: 'long' },
        { pcm: short.pcm, sampleRate: RATE, name: 'short' },
      ],
      quietMs: 500,
      answerTimeoutMs: 20_000,
    }),
  );
  const sttBytes = () =>
    platform!.sarvam.requests
      .slice(before)
      .filter((r) => r.endpoint === 'stt-ws')
      .map((r) => r.audio.byteLength);
  await vi.waitFor(
    () => {
      const bytes = sttBytes();
      expect(bytes.filter((b) => b > 1.5 * RATE * 2).length).toBeGreaterThanOrEqual(CALLS);
    },
    { timeout: 30_000, interval: 20 },
  );
  await fault();
  const calls = await Promise.all(calling);
  for (const [i, call] of calls.entries()) {
    expect(
      call.turns.map((t) => t.answered),
      `call ${i}`,
    ).toEqual([true, true]);
    expect(userMessagesOf(platform!.openai, callers[i]!)).toEqual([
      fixtureWords('librivox-0870').text,
      fixtureWords('goforward').text,
    ]);
  }
  // A record can come late after a node loss: the recorder retries JetStream requests that time
  // out while the streams elect new leaders (docs/benchmarks.md, "NATS cluster").
  const endedAt = Date.now();
  const records = await Promise.all(
    calls.map(async (c) => {
      const record = await waitForRecord(platform!.apiUrl, c.callId, 90_000);
      console.log(`nats cluster: record of ${c.callId} stored ${Date.now() - endedAt} ms after the calls ended`);
      return record;
    }),
  );
  for (const r of records)
    console.log(
      `record ${r.callId}: ${r.status}, audioGapMs ${r.audioGapMs}, errors ${JSON.stringify(r.errors)}, recording ${JSON.stringify(r.recording)}`,
    );
  for (const [i, record] of records.entries()) {
    expect(record.status, `record of call ${i}`).toBe('completed');
    // The caller channel of the recording holds the long utterance sample for sample.
    // Right after a node is lost, reading the object store can time out once (its consumer is
    // created while the stream elects a leader): the download is tried again, as a user would.
    const askedAt = Date.now();
    let res = await fetch(`${platform!.apiUrl}/api/v1/calls/${calls[i]!.callId}/recording`);
    while (res.status >= 500 && Date.now() - askedAt < 60_000) {
      await new Promise((r) => setTimeout(r, 1000));
      res = await fetch(`${platform!.apiUrl}/api/v1/calls/${calls[i]!.callId}/recording`);
    }
    if (Date.now() - askedAt > 1000)
      console.log(`nats cluster: recording of call ${i} served after ${Date.now() - askedAt} ms`);
    expect(res.status).toBe(200);
    expect(holdsCallerAudio(Buffer.from(await res.arrayBuffer()), long.pcm), `recording of call ${i}`).toBe(true);
  }
  return { calls, records };
}

function report(what: string, calls: SimulatedCall[], records: CallRecord[]): void {
  const answerMs = calls.map((c) => c.turns[0]!.latencyMs ?? NaN);
  console.log(
    `nats cluster, ${what}: ${calls.length} calls, turns answered ${calls.flatMap((c) => c.turns).filter((t) => t.answered).length}/${calls.length * 2}; ` +
      `the long turn answered ${answerMs.map((ms) => Math.round(ms)).join(', ')} ms after the caller stopped; ` +
      `caller audio lost (record audioGapMs) ${records.map((r) => r.audioGapMs).join(', ')} ms; ` +
      `errors ${records.map((r) => r.errors.length).join(', ')}`,
  );
}

// The partition comes first: it needs all three nodes (the stop leaves two, still a quorum).
describe.skipIf(unavailable !== null)('a three-node NATS cluster losing a node mid-call', () => {
  it('keeps every call when a node is cut off the network for 3 s, then comes back', async () => {
    const cut = cluster!.nodes[0]!;
    const { calls, records } = await callsThrough(async () => {
      await cluster!.partition(cut);
      await new Promise((r) => setTimeout(r, 3000));
      await cluster!.heal(cut);
    });
    report(`node ${cut.name} partitioned for 3 s`, calls, records);
    console.log(`nats cluster: node ${cut.name} caught up ${await clusterHealthy()} ms after the calls ended`);
  }, 180_000);

  it('keeps every call when the leader of the call audio and event streams is stopped', async () => {
    let stopped: NatsNode | undefined;
    const { calls, records } = await callsThrough(async () => {
      stopped = await leaderOf(AUDIO_STREAM);
      // A hard loss, not a shutdown: no lame-duck notice for the clients.
      await stopped.container.stop({ timeout: 0 });
      cluster!.nodes = cluster!.nodes.filter((n) => n !== stopped);
      if (process.env.DEBUG_CLUSTER) {
        await new Promise((r) => setTimeout(r, 3000));
        const jsm = await jetstreamManager(platform!.bus.nc);
        for await (const info of jsm.streams.list())
          console.log(
            `DBG stopped ${stopped.name}`,
            info.config.name,
            info.config.num_replicas,
            JSON.stringify(info.cluster),
          );
      }
    });
    report(`node ${stopped!.name} (leader of ${AUDIO_STREAM}) stopped`, calls, records);
    // The streams have new leaders among the two nodes left.
    expect((await leaderOf(EVENTS_STREAM)).name).not.toBe(stopped!.name);
  }, 180_000);
});
