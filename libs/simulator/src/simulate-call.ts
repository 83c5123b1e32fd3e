/**
 * A simulated Exotel caller: connects like Exotel's Voicebot applet, streams caller speech in real
 * time as ~100 ms `media` frames (silence between turns, as Exotel streams continuously), plays the
 * agent's audio through a model of Exotel's playout buffer, echoes marks, honours `clear`, and
 * checks every message the gateway sends.
 */
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { delay, type SampleRate } from '@audexly/protocol';
import { checkOutbound } from './checks.js';
import { lineNoise } from './line-noise.js';
import type { CallerAudioInput } from './caller-audio.js';
import { prepareTurn, type CallerTurn, type PreparedTurn } from './caller-turns.js';
import { PlayoutModel, type PlayoutGap } from './playout.js';

export interface SimulateCallOptions {
  /** Gateway stream URL; `?sample-rate=` is added when missing. */
  url: string;
  /** Caller turns, in order: WAV files or PCM (each waits for the agent's answer). */
  audio?: CallerAudioInput[];
  /** Caller turns with timing (barge-in, noise, DTMF); played after `audio`'s. */
  turns?: CallerTurn[];
  /** After the last turn, stay on the line (streaming silence) up to this long or until the gateway hangs up; default 0. */
  stayOnLineMs?: number;
  sampleRate?: SampleRate;
  from?: string;
  to?: string;
  accountSid?: string;
  customParameters?: Record<string, string>;
  /** Caller frame length (default 100 ms). */
  frameMs?: number;
  /**
   * What the caller's line carries between turns: digital silence by default, or seeded white
   * noise at `dbfs` (an idle telephone line sits around -60 to -70 dBFS). Speech frames are sent
   * as recorded (a recording carries its own background).
   */
  lineNoise?: { dbfs: number; seed: number };
  /** Longest wait for the greeting to start and finish (default 20 s). */
  greetingTimeoutMs?: number;
  /** Longest wait, after a caller turn, for the agent's answer to finish (default 30 s). */
  answerTimeoutMs?: number;
  /** Agent audio done = playout idle and no new agent message for this long (default 1200 ms). */
  quietMs?: number;
  /** Wait for a greeting before the first turn (default true). */
  expectGreeting?: boolean;
  /**
   * Keep what the caller heard as `agentPcm` (default true). A load run of many calls sets it
   * false: a minute of 8 kHz audio is about 1 MB, and a thousand calls of it would load the load
   * generator's heap, not the platform.
   */
  keepAgentAudio?: boolean;
  /** Progress lines (`console.log`-like). */
  log?: (line: string) => void;
  signal?: AbortSignal;
}

export interface TurnResult {
  /** 1-based caller turn. */
  turn: number;
  name: string;
  /** Length of the turn's audio (a recording's silence included), ms. */
  speechMs: number;
  /**
   * End of the caller's speech ({@link TurnResult.speechEndAtMs}; for keys, the last key; for
   * audio with no speech, its last frame) → first agent audio received; null if none came.
   */
  latencyMs: number | null;
  /**
   * Agent audio received for this turn, ms (with `expectAnswer: false`: 0, the audio counts for the
   * answer the caller went on listening to).
   */
  agentAudioMs: number;
  /**
   * The agent finished (played out and went quiet) before the timeout; when the next turn barges
   * in: its audio had started.
   */
  answered: boolean;
  /** Speech or keys. */
  kind: 'speech' | 'dtmf';
  /** When the caller began (first audio of the turn on the call timeline; first key), ms since `start`. */
  startedAtMs: number;
  /** When audible speech began (the turn's audio onset), ms since `start`; null for DTMF or silent audio. */
  speechOnsetAtMs: number | null;
  /**
   * When audible speech ended (the end of the last loud 10 ms of the turn's audio, its trailing
   * silence excluded), ms since `start`; null for DTMF or silent audio. The platform's VAD places
   * its `speechEndMs` on the same timeline.
   */
  speechEndAtMs: number | null;
  /** When the caller finished (last frame sent; last key), ms since `start`. */
  endedAtMs: number;
  /** The caller spoke over the agent (`bargeInAfterMs`). */
  spokeOverAgent: boolean;
  /** First `clear` after the speech onset (before the next turn began), ms after the onset; null if none. */
  clearAfterOnsetMs: number | null;
}

/** A `clear` from the gateway: when, and what it dropped from the playout buffer. */
export interface ClearRecord {
  atMs: number;
  droppedMs: number;
  droppedMarks: string[];
}

export interface SimulatedCall {
  callSid: string;
  /** Audexly's call id: the call_sid (32 hex characters are already a valid id). */
  callId: string;
  streamSid: string;
  sampleRate: number;
  /** `start` sent → first agent audio; null if no greeting came. */
  greetingLatencyMs: number | null;
  greetingAudioMs: number;
  turns: TurnResult[];
  /** Echoed mark names, in order. */
  marksEchoed: string[];
  /** Each echo with its time, ms since `start`. */
  markEchoes: { name: string; atMs: number }[];
  clears: number;
  /** Each `clear`, in order. */
  clearLog: ClearRecord[];
  /** Each agent `media` message: arrival, ms since `start`, and its audio length, ms. */
  mediaLog: { atMs: number; ms: number }[];
  /**
   * Silence the caller heard inside a segment of agent speech (the playout buffer ran dry before
   * the segment's audio went on), ms since `start`: audio that came too late.
   */
  gaps: PlayoutGap[];
  /** DTMF keys sent, ms since `start`. */
  dtmfSent: { digit: string; atMs: number }[];
  messages: { media: number; mark: number; clear: number };
  /** Protocol rules the gateway broke; empty when it behaved. */
  violations: string[];
  /** What the caller heard from `start` on (silence included), PCM16LE at `sampleRate`; empty with `keepAgentAudio: false`. */
  agentPcm: Buffer;
  /** Who ended the call: `caller` (we sent stop) or `gateway` (it closed the socket first). */
  endedBy: 'caller' | 'gateway';
  close: { code: number; reason: string } | null;
  /** When the socket closed, ms since `start`. */
  closedAtMs: number | null;
  durationMs: number;
}

const TICK_MS = 10;

export async function simulateCall(options: SimulateCallOptions): Promise<SimulatedCall> {
  const rate = options.sampleRate ?? 8000;
  const frameMs = options.frameMs ?? 100;
  const quietMs = options.quietMs ?? 1200;
  const log = options.log ?? (() => undefined);
  const frameBytes = Math.round((rate * frameMs) / 1000) * 2;
  const noise = options.lineNoise ? lineNoise(options.lineNoise.dbfs, options.lineNoise.seed) : null;
  const quietFrame = () => (noise ? noise(frameBytes) : Buffer.alloc(frameBytes));
  const plan: PreparedTurn[] = [];
  for (const input of options.audio ?? []) plan.push(await prepareTurn({ audio: input }, rate));
  for (const turn of options.turns ?? []) plan.push(await prepareTurn(turn, rate));

  const callSid = randomBytes(16).toString('hex');
  const streamSid = randomBytes(16).toString('hex');
  const url = new URL(options.url);
  if (!url.searchParams.has('sample-rate')) url.searchParams.set('sample-rate', String(rate));

  const ws = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) =>
      reject(new Error(`gateway refused the WebSocket: HTTP ${res.statusCode}`)),
    );
  });

  const now = () => performance.now();
  const startedAt = now();
  const playout = new PlayoutModel(rate, startedAt, { keepPcm: options.keepAgentAudio ?? true });
  const violations: string[] = [];
  const marksEchoed: string[] = [];
  const markEchoes: { name: string; atMs: number }[] = [];
  const clearLog: ClearRecord[] = [];
  const mediaLog: { atMs: number; ms: number }[] = [];
  const dtmfSent: { digit: string; atMs: number }[] = [];
  const messages = { media: 0, mark: 0, clear: 0 };
  let clears = 0;
  let seq = 0;
  let chunk = 0;
  let framesSent = 0;
  let lastAgentMessageAt = -Infinity;
  /** Phase 0 = greeting, n = answer to caller turn n. */
  let phase = 0;
  const firstAgentAudioAt: (number | null)[] = [null];
  const agentBytes: number[] = [0];
  /**
   * From now on agent audio answers caller turn `turn`: from the end of its speech (agent audio
   * that arrives while the caller still speaks counts for the previous answer).
   */
  const awaitAnswerTo = (turn: number) => {
    if (phase === turn) return;
    phase = turn;
    firstAgentAudioAt[turn] = null;
    agentBytes[turn] = 0;
  };
  let close: { code: number; reason: string } | null = null;
  let closedAt: number | null = null;
  /**
   * The turn being spoken, from clock time `from`; `answerTurn` starts being awaited once the frame
   * holding `speechEndByte` is out.
   */
  let speech: {
    pcm: Buffer;
    offset: number;
    from: number;
    speechEndByte: number | null;
    answerTurn: number | null;
  } | null = null;
  /** Where the current turn's audio begins on the call timeline (clock ms). */
  let speechFirstFrameAt: number | null = null;
  let speechEndAt: number | null = null;

  const send = (frame: object) => {
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(frame));
  };
  const addViolation = (v: string) => {
    if (violations.length < 200) violations.push(v);
  };

  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (isBinary) {
      addViolation('binary frame from the gateway');
      return;
    }
    const { message, violations: found } = checkOutbound(data.toString('utf8'), streamSid);
    found.forEach(addViolation);
    if (!message) return;
    messages[message.event]++;
    lastAgentMessageAt = now();
    switch (message.event) {
      case 'media':
        playout.media(message.pcm);
        mediaLog.push({ atMs: now() - startedAt, ms: message.pcm.byteLength / ((rate * 2) / 1000) });
        firstAgentAudioAt[phase] ??= now();
        agentBytes[phase] = (agentBytes[phase] ?? 0) + message.pcm.byteLength;
        return;
      case 'mark':
        playout.mark(message.name);
        return;
      case 'clear': {
        clears++;
        const dropped = playout.clear();
        clearLog.push({ atMs: now() - startedAt, droppedMs: dropped.droppedMs, droppedMarks: dropped.droppedMarks });
        log(`clear: dropped ${Math.round(dropped.droppedMs)} ms and ${dropped.droppedMarks.length} marks`);
        return;
      }
    }
  });
  const closed = new Promise<void>((resolve) => {
    ws.on('close', (code, reason) => {
      close = { code, reason: reason.toString() };
      closedAt = now();
      resolve();
    });
  });
  ws.on('error', (err) => log(`socket error: ${err.message}`));

  // Exotel's opening.
  send({ event: 'connected' });
  send({
    event: 'start',
    sequence_number: String(++seq),
    stream_sid: streamSid,
    start: {
      stream_sid: streamSid,
      call_sid: callSid,
      account_sid: options.accountSid ?? 'audexlysim',
      from: options.from ?? '+919876543210',
      to: options.to ?? '+918047491899',
      custom_parameters: options.customParameters ?? {},
      media_format: { encoding: 'audio/x-raw', sample_rate: String(rate), bit_rate: '16' },
    },
  });
  log(`call ${callSid} started at ${rate} Hz`);

  // One real-time loop: playout, mark echoes, and caller frames on a monotonic schedule.
  const tick = () => {
    const t = now();
    for (const name of playout.advance(t).marks) {
      marksEchoed.push(name);
      markEchoes.push({ name, atMs: t - startedAt });
      send({ event: 'mark', sequence_number: String(++seq), stream_sid: streamSid, mark: { name } });
    }
    while (startedAt + (framesSent + 1) * frameMs <= t && ws.readyState === WebSocket.OPEN) {
      let frame: Buffer;
      // Frame n carries the call's audio from (n - 1) × frameMs, as the gateway counts it. Speech
      // begins in the frame playing when the caller began, never in one overdue from before that.
      const frameStart = startedAt + framesSent * frameMs;
      if (speech && (speech.offset > 0 || frameStart + frameMs > speech.from)) {
        frame = Buffer.alloc(frameBytes);
        if (speech.offset === 0) speechFirstFrameAt = frameStart;
        speech.pcm.copy(frame, 0, speech.offset, Math.min(speech.offset + frameBytes, speech.pcm.byteLength));
        speech.offset += frameBytes;
        if (speech.answerTurn !== null && speech.speechEndByte !== null && speech.offset >= speech.speechEndByte) {
          awaitAnswerTo(speech.answerTurn);
          speech.answerTurn = null;
        }
        if (speech.offset >= speech.pcm.byteLength) {
          speech = null;
          speechEndAt = t;
        }
      } else {
        frame = quietFrame();
      }
      framesSent++;
      chunk++;
      send({
        event: 'media',
        sequence_number: String(++seq),
        stream_sid: streamSid,
        media: {
          chunk: String(chunk),
          timestamp: String(Math.round(framesSent * frameMs)),
          payload: frame.toString('base64'),
        },
      });
    }
  };
  const timer = setInterval(tick, TICK_MS);

  const isClosed = () => close !== null;
  /** Agent audio for `p` has come, fully played out, and gone quiet. */
  const agentDone = (p: number) =>
    firstAgentAudioAt[p] != null && !playout.pending && now() - lastAgentMessageAt >= quietMs;
  const waitFor = async (cond: () => boolean, timeoutMs: number): Promise<boolean> => {
    const deadline = now() + timeoutMs;
    while (!cond()) {
      if (isClosed() || options.signal?.aborted || now() > deadline) return false;
      await delay(20);
    }
    return true;
  };

  const turns: TurnResult[] = [];
  /** Per caller turn: the phase whose audio counts as its answer (null: none expected), and timing. */
  const played: { phase: number | null; startedAt: number; endedAt: number; spokeUntil: number; answered: boolean }[] =
    [];
  /** Waits until the agent's audio of phase `p` is done, or — when `next` barges in — has played long enough. */
  const waitForAgent = (p: number, next: PreparedTurn | undefined, timeoutMs: number) => {
    const bargeInAfterMs = next?.bargeInAfterMs ?? null;
    if (bargeInAfterMs === null) return waitFor(() => agentDone(p), timeoutMs);
    return waitFor(() => {
      const first = firstAgentAudioAt[p];
      return first != null && now() - first >= bargeInAfterMs;
    }, timeoutMs);
  };
  let endedBy: 'caller' | 'gateway' = 'caller';
  try {
    if (options.expectGreeting ?? true) {
      const ok = await waitForAgent(0, plan[0], options.greetingTimeoutMs ?? 20_000);
      log(
        ok
          ? `greeting played (${Math.round(((agentBytes[0] ?? 0) / (rate * 2)) * 1000)} ms)`
          : 'no complete greeting before the timeout',
      );
    }
    for (const [i, step] of plan.entries()) {
      if (isClosed() || options.signal?.aborted) break;
      const turn = i + 1;
      let startedAtTurn: number;
      if (step.pcm) {
        speechEndAt = null;
        speechFirstFrameAt = null;
        const speechEndByte =
          step.speechEndOffsetMs === null ? null : Math.round((step.speechEndOffsetMs * rate * 2) / 1000);
        speech = { pcm: step.pcm, offset: 0, from: now(), speechEndByte, answerTurn: step.expectAnswer ? turn : null };
        log(`turn ${turn}: speaking ${step.name} (${Math.round((step.pcm.byteLength / (rate * 2)) * 1000)} ms)`);
        await waitFor(() => speechEndAt !== null, (step.pcm.byteLength / (rate * 2)) * 1000 + 5000);
        startedAtTurn = speechFirstFrameAt ?? now();
      } else {
        startedAtTurn = now();
        log(`turn ${turn}: pressing ${step.dtmf ?? ''}`);
        for (const [k, digit] of [...(step.dtmf ?? '')].entries()) {
          if (k > 0) await delay(step.dtmfGapMs);
          if (isClosed()) break;
          dtmfSent.push({ digit, atMs: now() - startedAt });
          send({
            event: 'dtmf',
            sequence_number: String(++seq),
            stream_sid: streamSid,
            dtmf: { digit, duration: '100' },
          });
        }
        speechEndAt = now();
      }
      const sentUntil = speechEndAt ?? now();
      const spokeUntil = step.speechEndOffsetMs === null ? sentUntil : startedAtTurn + step.speechEndOffsetMs;
      // Keys, or audio without speech: the answer is awaited from the end of the turn.
      if (step.expectAnswer) awaitAnswerTo(turn);
      const done = await waitForAgent(phase, plan[i + 1], options.answerTimeoutMs ?? 30_000);
      // A gateway that hangs up after its answer has played out also answered.
      const answered =
        plan[i + 1]?.bargeInAfterMs != null
          ? done
          : done || (isClosed() && firstAgentAudioAt[phase] != null && !playout.pending);
      played.push({
        phase: step.expectAnswer ? phase : null,
        startedAt: startedAtTurn,
        endedAt: sentUntil,
        spokeUntil,
        answered: step.expectAnswer && answered,
      });
      const first = step.expectAnswer ? (firstAgentAudioAt[phase] ?? null) : null;
      log(
        `turn ${turn}: ${!step.expectAnswer ? 'no answer expected' : first === null ? 'no answer' : `answer after ${Math.round(first - spokeUntil)} ms`}`,
      );
    }
    if (options.stayOnLineMs) await waitFor(() => false, options.stayOnLineMs);
  } finally {
    if (isClosed()) {
      endedBy = 'gateway';
    } else {
      send({
        event: 'stop',
        sequence_number: String(++seq),
        stream_sid: streamSid,
        stop: { call_sid: callSid, account_sid: options.accountSid ?? 'audexlysim', reason: 'callended' },
      });
      ws.close(1000, 'callended');
      await Promise.race([closed, delay(2000)]);
      if (!isClosed()) ws.terminate();
    }
    clearInterval(timer);
    tick();
  }
  for (const [i, step] of plan.entries()) {
    const p = played[i];
    if (!p) break;
    const first = p.phase === null ? null : (firstAgentAudioAt[p.phase] ?? null);
    const onsetAt = step.onsetOffsetMs === null ? null : p.startedAt + step.onsetOffsetMs;
    const nextStart = played[i + 1]?.startedAt ?? Infinity;
    const clearAt =
      onsetAt === null
        ? undefined
        : clearLog.find((c) => startedAt + c.atMs >= onsetAt && startedAt + c.atMs < nextStart);
    turns.push({
      turn: i + 1,
      name: step.name,
      speechMs: step.pcm ? (step.pcm.byteLength / (rate * 2)) * 1000 : 0,
      latencyMs: first === null ? null : Math.round(first - p.spokeUntil),
      agentAudioMs: p.phase === null ? 0 : Math.round(((agentBytes[p.phase] ?? 0) / (rate * 2)) * 1000),
      answered: p.answered,
      kind: step.pcm ? 'speech' : 'dtmf',
      startedAtMs: Math.round(p.startedAt - startedAt),
      speechOnsetAtMs: onsetAt === null ? null : Math.round(onsetAt - startedAt),
      speechEndAtMs: step.speechEndOffsetMs === null ? null : Math.round(p.spokeUntil - startedAt),
      endedAtMs: Math.round(p.endedAt - startedAt),
      spokeOverAgent: step.bargeInAfterMs !== null,
      clearAfterOnsetMs:
        clearAt === undefined || onsetAt === null ? null : Math.round(startedAt + clearAt.atMs - onsetAt),
    });
  }
  const greetingAt = firstAgentAudioAt[0] ?? null;
  return {
    callSid,
    callId: callSid,
    streamSid,
    sampleRate: rate,
    greetingLatencyMs: greetingAt === null ? null : Math.round(greetingAt - startedAt),
    greetingAudioMs: Math.round(((agentBytes[0] ?? 0) / (rate * 2)) * 1000),
    turns,
    marksEchoed,
    markEchoes,
    clears,
    clearLog,
    mediaLog,
    gaps: playout.gaps.map((g) => ({ ...g, atMs: Math.round(g.atMs - startedAt) })),
    dtmfSent,
    messages,
    violations,
    agentPcm: playout.pcm(),
    endedBy,
    close,
    closedAtMs: closedAt === null ? null : Math.round(closedAt - startedAt),
    durationMs: Math.round(now() - startedAt),
  };
}
