import { randomUUID } from 'node:crypto';
import { bytesForMs, encodeStereoWav, msForBytes, silence } from '@audexly/audio';
import { BUCKETS, openBucket, openRecordings, type Bus } from '@audexly/bus';
import {
  PROTOCOL_VERSION,
  callRecordSchema,
  errorEventSchema,
  type CallRecord,
  type CallTurn,
} from '@audexly/protocol';
import { loadSpeechFixture, synthesizeSpeech } from '@audexly/testing';

const RATE = 8000;

/** One spoken line of the seeded call, as the recorder would have seen it. */
interface Line {
  role: 'caller' | 'agent';
  text: string;
  pcm: Buffer;
  startMs: number;
  turn: number;
}

export interface SeededCall {
  callId: string;
  record: CallRecord;
  /** The stereo WAV stored as the recording. */
  wav: Buffer;
  /** Text events published to the event log. */
  events: number;
}

/**
 * A completed two-turn call, stored the way the recorder stores one: the call record in the `calls`
 * bucket, the stereo WAV (caller left, agent right, on the gateway's timeline) in the recordings
 * object store, and its text events on the call's subjects (so the event log holds them). The
 * caller's first utterance is recorded human speech; the rest is espeak-ng.
 */
export async function seedCompletedCall(
  bus: Bus,
  agent: { id: string; name: string },
  numbers: { from: string; to: string },
): Promise<SeededCall> {
  const callId = `t${randomUUID().replace(/-/g, '')}`;
  const speak = (text: string, pace = 1) => synthesizeSpeech({ text, voice: 'en', sampleRate: RATE, pace });
  const greeting = 'Namaste! Thank you for calling. How can I help you today?';
  const answer1 = 'Sure, moving ten meters ahead. Anything else?';
  const caller2 = 'No, that is all. Thank you.';
  const answer2 = 'You are welcome. Goodbye!';
  const [greetingPcm, callerPcm1, answerPcm1, callerPcm2, answerPcm2] = await Promise.all([
    speak(greeting),
    loadSpeechFixture('goforward', RATE).then((f) => f.pcm),
    speak(answer1),
    speak(caller2, 1.1),
    speak(answer2),
  ]);
  const len = (pcm: Buffer) => Math.round(msForBytes(pcm.length, RATE));

  // The timeline: greeting, then per turn caller speech → STT → LLM → TTS → first audio sent.
  const lines: Line[] = [];
  const turns: CallTurn[] = [];
  const greetingSentMs = 420;
  lines.push({ role: 'agent', text: greeting, pcm: greetingPcm, startMs: greetingSentMs, turn: 0 });
  turns.push(
    turn(0, null, greeting, {
      speechEndMs: null,
      transcriptMs: null,
      firstReplyMs: 35,
      firstAudioInMs: 398,
      firstAudioSentMs: greetingSentMs,
    }),
  );
  let cursor = greetingSentMs + len(greetingPcm) + 900;
  const exchanges = [
    {
      callerText: 'Go forward ten meters.',
      callerPcm: callerPcm1,
      agentText: answer1,
      agentPcm: answerPcm1,
      stt: 648,
      llm: 412,
      tts: 236,
    },
    {
      callerText: 'No, that is all. Thank you.',
      callerPcm: callerPcm2,
      agentText: answer2,
      agentPcm: answerPcm2,
      stt: 612,
      llm: 655,
      tts: 251,
    },
  ];
  exchanges.forEach((x, i) => {
    const n = i + 1;
    const speechStartMs = cursor;
    const speechEndMs = speechStartMs + len(x.callerPcm);
    const transcriptMs = speechEndMs + x.stt;
    const firstReplyMs = transcriptMs + x.llm;
    const firstAudioInMs = firstReplyMs + x.tts;
    const firstAudioSentMs = firstAudioInMs + 14;
    lines.push({ role: 'caller', text: x.callerText, pcm: x.callerPcm, startMs: speechStartMs, turn: n });
    lines.push({ role: 'agent', text: x.agentText, pcm: x.agentPcm, startMs: firstAudioSentMs, turn: n });
    turns.push({
      ...turn(n, x.callerText, x.agentText, {
        speechEndMs,
        transcriptMs,
        firstReplyMs,
        firstAudioInMs,
        firstAudioSentMs,
      }),
      speechStartMs,
    });
    cursor = firstAudioSentMs + len(x.agentPcm) + 1100;
  });
  const durationMs = cursor - 600;

  // Caller on the left, agent on the right, each line placed at its timeline position.
  const channel = (role: Line['role']) => {
    const out = silence(durationMs, RATE);
    for (const line of lines.filter((l) => l.role === role))
      line.pcm.copy(
        out,
        bytesForMs(line.startMs, RATE),
        0,
        Math.max(0, Math.min(line.pcm.length, out.length - bytesForMs(line.startMs, RATE))),
      );
    return out;
  };
  const wav = encodeStereoWav(channel('caller'), channel('agent'), RATE);

  const startedAt = Date.now() - durationMs - 5000;
  const tts = lines.filter((l) => l.role === 'agent').reduce((n, l) => n + l.text.length, 0);
  const record = callRecordSchema.parse({
    v: 1,
    callId,
    callSid: callId,
    streamSid: `st${callId.slice(1, 13)}`,
    accountSid: 'audexlytest1',
    from: numbers.from,
    to: numbers.to,
    direction: 'inbound',
    agent,
    sampleRate: RATE,
    startedAt: new Date(startedAt).toISOString(),
    endedAt: new Date(startedAt + durationMs).toISOString(),
    durationMs,
    endReason: 'agent-hangup',
    endDetail: 'end_call',
    hungUpBy: 'agent',
    status: 'completed',
    language: 'en-IN',
    transcript: lines.map((l) => ({
      role: l.role,
      text: l.text,
      timelineMs: l.startMs,
      turn: l.turn,
      interrupted: false,
    })),
    turns,
    errors: [
      {
        stage: 'tts',
        code: 'AUDEXLY_ERR_TTS_UPSTREAM',
        message: 'Sarvam TTS answered 503 for segment 0; retried once and it succeeded',
        turn: 2,
        timelineMs: turns[2]?.firstReplyMs ?? 0,
      },
    ],
    recording: {
      store: 'nats-object-store',
      key: `${callId}.wav`,
      bytes: wav.length,
      durationMs,
      sampleRate: RATE,
      channels: 2,
    },
    usage: {
      sttSeconds: Math.round((len(callerPcm1) + len(callerPcm2)) / 100) / 10,
      llmPromptTokens: 612,
      llmCompletionTokens: 31,
      ttsCharacters: tts,
    },
  });

  const recordings = await openRecordings(bus);
  await recordings.putBlob({ name: `${callId}.wav` }, wav);
  await (await openBucket(bus, BUCKETS.calls)).put(callId, JSON.stringify(record));
  const events = publishEvents(bus, record);
  await bus.flush();
  return { callId, record, wav, events };
}

function turn(
  n: number,
  callerText: string | null,
  agentText: string,
  at: Pick<CallTurn, 'speechEndMs' | 'transcriptMs' | 'firstReplyMs' | 'firstAudioInMs' | 'firstAudioSentMs'>,
): CallTurn {
  const diff = (a: number | null, b: number | null) => (a === null || b === null ? null : b - a);
  return {
    turn: n,
    callerText,
    agentText,
    speechStartMs: null,
    language: callerText === null ? null : 'en-IN',
    ...at,
    interrupted: false,
    latency: {
      sttMs: diff(at.speechEndMs, at.transcriptMs),
      llmMs: diff(at.transcriptMs, at.firstReplyMs),
      ttsMs: diff(at.firstReplyMs, at.firstAudioInMs),
      voiceToVoiceMs: diff(at.speechEndMs, at.firstAudioSentMs),
    },
  };
}

/** The speech, reply and playback events of each turn, and the TTS error (no lifecycle: no service should take this call). */
function publishEvents(bus: Bus, record: CallRecord): number {
  const base = { v: PROTOCOL_VERSION, callId: record.callId };
  let count = 0;
  for (const t of record.turns) {
    const caller = record.transcript.find((l) => l.turn === t.turn && l.role === 'caller');
    if (caller && t.speechEndMs !== null && t.transcriptMs !== null && t.callerText !== null) {
      bus.publishEvent('speech', {
        ...base,
        type: 'speech.started',
        timelineMs: caller.timelineMs + 60,
        utterance: t.turn,
        speechStartMs: caller.timelineMs,
      });
      bus.publishEvent('speech', {
        ...base,
        type: 'speech.stopped',
        timelineMs: t.speechEndMs + 500,
        utterance: t.turn,
        speechEndMs: t.speechEndMs,
      });
      bus.publishEvent('speech', {
        ...base,
        type: 'speech.final',
        timelineMs: t.transcriptMs,
        utterance: t.turn,
        text: t.callerText,
        language: 'en-IN',
        speechStartMs: caller.timelineMs,
        speechEndMs: t.speechEndMs,
        providerMs: (t.latency.sttMs ?? 500) - 500,
        audioSeconds: (t.speechEndMs - caller.timelineMs) / 1000,
      });
      count += 3;
    }
    if (t.firstReplyMs !== null && t.firstAudioInMs !== null && t.firstAudioSentMs !== null && t.agentText !== null) {
      bus.publishEvent('reply', {
        ...base,
        type: 'reply.segment',
        timelineMs: t.firstReplyMs,
        turn: t.turn,
        segment: 0,
        text: t.agentText,
      });
      bus.publishEvent('reply', {
        ...base,
        type: 'reply.done',
        timelineMs: t.firstReplyMs + 40,
        turn: t.turn,
        segments: 1,
        text: t.agentText,
      });
      bus.publishEvent('playback', {
        ...base,
        type: 'playback.started',
        timelineMs: t.firstAudioSentMs,
        turn: t.turn,
        firstAudioInMs: t.firstAudioInMs,
      });
      count += 3;
    }
  }
  for (const e of record.errors) {
    // A record keeps any code and stage as text; the event takes only the protocol's.
    const { stage, code } = errorEventSchema.pick({ stage: true, code: true }).parse(e);
    bus.publishEvent('error', {
      ...base,
      type: 'error',
      timelineMs: e.timelineMs,
      stage,
      code,
      message: e.message,
      retryable: true,
      turn: e.turn,
    });
    count++;
  }
  return count;
}
