import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { sineTone } from '@audexly/audio';
import { prepareTurn, speechEndMs, speechOnsetMs } from './caller-turns.js';
import { checkOutbound } from './checks.js';
import { simulateCall } from './simulate-call.js';

interface FakeGateway {
  url: string;
  seen: Record<string, unknown>[];
  close(): Promise<void>;
}

/**
 * A stand-in gateway: greets on `start`, and answers each caller turn (a loud frame followed by
 * a silent one) with 300 ms of audio and a mark. `chunkBytes` lets a test break Exotel's rules;
 * `greetingPauseMs` sends the greeting's second half that long after its first (a stall).
 */
async function fakeGateway(chunkBytes = 1600, greetingPauseMs = 0): Promise<FakeGateway> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const seen: Record<string, unknown>[] = [];
  wss.on('connection', (ws: WebSocket) => {
    let sid = '';
    let speaking = false;
    let turn = 0;
    const sendAudio = (pcm: Buffer) => {
      for (let o = 0; o < pcm.byteLength; o += chunkBytes) {
        ws.send(
          JSON.stringify({
            event: 'media',
            stream_sid: sid,
            media: { payload: pcm.subarray(o, o + chunkBytes).toString('base64') },
          }),
        );
      }
    };
    const speak = (ms: number, rate: number) => {
      const pcm = sineTone(440, ms, rate, 0.2);
      const mark = () => ws.send(JSON.stringify({ event: 'mark', stream_sid: sid, mark: { name: `t${turn++}s0` } }));
      if (turn === 0 && greetingPauseMs > 0) {
        const half = Math.floor(pcm.byteLength / 2 / chunkBytes) * chunkBytes;
        sendAudio(pcm.subarray(0, half));
        setTimeout(() => {
          sendAudio(pcm.subarray(half));
          mark();
        }, greetingPauseMs);
        return;
      }
      sendAudio(pcm);
      mark();
    };
    let rate = 8000;
    ws.on('message', (data: Buffer) => {
      const msg = JSON.parse(data.toString()) as {
        event: string;
        stream_sid: string;
        start: { media_format: { sample_rate: string } };
        media: { payload: string };
      };
      seen.push(msg);
      if (msg.event === 'start') {
        sid = msg.stream_sid;
        rate = Number(msg.start.media_format.sample_rate);
        speak(400, rate);
      }
      if (msg.event === 'media') {
        const loud = Buffer.from(msg.media.payload, 'base64').some((b: number) => b !== 0);
        if (loud) speaking = true;
        else if (speaking) {
          speaking = false;
          speak(300, rate);
        }
      }
    });
  });
  const port = (wss.address() as AddressInfo).port;
  return {
    url: `ws://127.0.0.1:${port}/api/v1/telephony/exotel/stream`,
    seen,
    close: () => new Promise((r) => wss.close(() => r())),
  };
}

/** Arrival of the first agent audio after `atMs` (ms since start). */
function firstMediaAfter(result: { mediaLog: { atMs: number }[] }, atMs: number): number {
  const media = result.mediaLog.find((m) => m.atMs > atMs);
  if (!media) throw new Error(`no agent audio after ${atMs} ms`);
  return media.atMs;
}

let server: FakeGateway | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('simulated Exotel caller', () => {
  it('opens like Exotel, waits for the greeting, speaks each turn in real time, echoes marks and measures latency', async () => {
    server = await fakeGateway();
    const speech = sineTone(300, 500, 16000, 0.5); // resampled to 8 kHz by the simulator
    const result = await simulateCall({
      url: server.url,
      audio: [
        { pcm: speech, sampleRate: 16000 },
        { pcm: speech, sampleRate: 16000 },
      ],
      quietMs: 300,
      answerTimeoutMs: 5000,
    });

    expect(result.violations).toEqual([]);
    expect(result.gaps).toEqual([]);
    expect(result.callSid).toMatch(/^[0-9a-f]{32}$/);
    const [connected, start] = server.seen;
    expect(connected).toEqual({ event: 'connected' });
    expect(start).toMatchObject({
      event: 'start',
      sequence_number: '1',
      stream_sid: result.streamSid,
      start: { call_sid: result.callSid, media_format: { sample_rate: '8000' } },
    });
    const media = server.seen.filter((m) => m.event === 'media') as {
      sequence_number: string;
      media: { payload: string };
    }[];
    for (const m of media) expect(Buffer.from(m.media.payload, 'base64').byteLength).toBe(1600);
    const seqs = server.seen.slice(1).map((m) => Number(m.sequence_number));
    seqs.forEach((s, i) => expect(s).toBe(i + 1));
    expect(server.seen.at(-1)).toMatchObject({ event: 'stop', stop: { reason: 'callended' } });

    expect(result.greetingLatencyMs).not.toBeNull();
    expect(result.greetingAudioMs).toBe(400);
    expect(result.turns).toHaveLength(2);
    for (const t of result.turns) {
      expect(t.answered).toBe(true);
      expect(t.agentAudioMs).toBe(300);
      // The tone is all speech: it ends with the audio, and the answer (to the first silent frame) comes after.
      expect(t.speechEndAtMs).toBe(t.startedAtMs + 500);
      expect(t.latencyMs).toBeGreaterThan(0);
      expect(
        Math.abs(t.latencyMs! - (firstMediaAfter(result, t.speechEndAtMs!) - t.speechEndAtMs!)),
      ).toBeLessThanOrEqual(1);
    }
    expect(result.marksEchoed).toEqual(['t0s0', 't1s0', 't2s0']);
    // The played PCM holds the agent audio in real time: at least greeting + both answers.
    expect(result.agentPcm.byteLength).toBeGreaterThan((400 + 300 + 300) * 16);
    expect(result.endedBy).toBe('caller');
  });

  it('measures latency from the end of the speech in the audio, not from the end of its trailing silence', async () => {
    server = await fakeGateway();
    // 300 ms of speech, then 700 ms of silence: the stand-in answers the first silent frame, while
    // the caller's file still plays.
    const speech = Buffer.concat([sineTone(300, 300, 8000, 0.5), Buffer.alloc(700 * 16)]);
    const result = await simulateCall({
      url: server.url,
      audio: [{ pcm: speech, sampleRate: 8000 }],
      quietMs: 300,
      answerTimeoutMs: 5000,
    });

    const [turn] = result.turns;
    expect(turn).toMatchObject({ answered: true, agentAudioMs: 300, speechMs: 1000 });
    expect(turn!.speechEndAtMs).toBe(turn!.startedAtMs + 300);
    expect(turn!.endedAtMs).toBeGreaterThanOrEqual(turn!.startedAtMs + 1000);
    expect(
      Math.abs(turn!.latencyMs! - (firstMediaAfter(result, turn!.speechEndAtMs!) - turn!.speechEndAtMs!)),
    ).toBeLessThanOrEqual(1);
  });

  it('reports chunks that break Exotel rules as violations', async () => {
    server = await fakeGateway(1000);
    const result = await simulateCall({ url: server.url, quietMs: 200 });
    expect(result.violations.length).toBeGreaterThan(0);
    expect(result.violations[0]).toContain('not a multiple of 320');
  });

  it('hears a gap when the rest of a segment comes after its first half has played', async () => {
    // 200 ms of the greeting, then its other 200 ms (and its mark) 600 ms later: ~400 ms of silence.
    server = await fakeGateway(1600, 600);
    const result = await simulateCall({ url: server.url, quietMs: 1000 });
    expect(result.violations).toEqual([]);
    expect(result.gaps).toHaveLength(1);
    expect(result.gaps[0]!.atMs).toBeGreaterThanOrEqual(200);
    expect(result.gaps[0]!.ms).toBeGreaterThan(100);
    expect(result.gaps[0]!.intoSegmentMs).toBe(200);
    expect(result.greetingAudioMs).toBe(400);
  });
});

describe('outbound checks', () => {
  it('accepts the three documented messages and rejects anything else', () => {
    const sid = 'abc';
    expect(
      checkOutbound(
        JSON.stringify({ event: 'media', stream_sid: sid, media: { payload: Buffer.alloc(640).toString('base64') } }),
        sid,
      ).violations,
    ).toEqual([]);
    expect(
      checkOutbound(JSON.stringify({ event: 'mark', stream_sid: sid, mark: { name: 'x' } }), sid).violations,
    ).toEqual([]);
    expect(checkOutbound(JSON.stringify({ event: 'clear', stream_sid: sid }), sid).violations).toEqual([]);
    expect(checkOutbound(JSON.stringify({ event: 'clear', streamSid: sid }), sid).violations[0]).toContain(
      'stream_sid',
    );
    expect(checkOutbound(JSON.stringify({ event: 'stop', stream_sid: sid }), sid).violations[0]).toContain(
      'unexpected event',
    );
    expect(
      checkOutbound(
        JSON.stringify({
          event: 'media',
          stream_sid: sid,
          media: { payload: Buffer.alloc(99_840 + 320).toString('base64') },
        }),
        sid,
      ).violations[0],
    ).toContain('above 99 840');
  });
});

/** A stand-in gateway driven by a script: `respond` sees each caller message and may answer. */
async function scriptedGateway(
  respond: (msg: Record<string, unknown>, ws: WebSocket, sid: string) => void,
): Promise<FakeGateway> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const seen: Record<string, unknown>[] = [];
  wss.on('connection', (ws: WebSocket) => {
    let sid = '';
    ws.on('message', (data: Buffer) => {
      const msg = JSON.parse(data.toString()) as Record<string, unknown>;
      seen.push(msg);
      if (msg.event === 'start') sid = msg.stream_sid as string;
      respond(msg, ws, sid);
    });
  });
  const port = (wss.address() as AddressInfo).port;
  return {
    url: `ws://127.0.0.1:${port}/api/v1/telephony/exotel/stream`,
    seen,
    close: () => new Promise((r) => wss.close(() => r())),
  };
}

const sendTone = (ws: WebSocket, sid: string, ms: number, mark: string) => {
  const pcm = sineTone(440, ms, 8000, 0.2);
  for (let o = 0; o < pcm.byteLength; o += 1600)
    ws.send(
      JSON.stringify({
        event: 'media',
        stream_sid: sid,
        media: { payload: pcm.subarray(o, o + 1600).toString('base64') },
      }),
    );
  ws.send(JSON.stringify({ event: 'mark', stream_sid: sid, mark: { name: mark } }));
};

describe('simulated caller: timing, barge-in and keys', () => {
  it('barges in while the agent speaks and records when clear arrived after its speech onset', async () => {
    let cleared = false;
    server = await scriptedGateway((msg, ws, sid) => {
      if (msg.event === 'start') sendTone(ws, sid, 3000, 't0s0');
      const payload = (msg.media as { payload?: string } | undefined)?.payload;
      if (!cleared && payload && Buffer.from(payload, 'base64').some((b) => b !== 0)) {
        cleared = true;
        ws.send(JSON.stringify({ event: 'clear', stream_sid: sid }));
      }
    });
    // 200 ms of silence, then 300 ms of sound: the onset is 200 ms into the turn.
    const speech = Buffer.concat([Buffer.alloc(3200), sineTone(300, 300, 8000, 0.5)]);
    const result = await simulateCall({
      url: server.url,
      turns: [{ audio: { pcm: speech, sampleRate: 8000 }, bargeInAfterMs: 500, expectAnswer: false, name: 'cut-in' }],
      quietMs: 300,
      answerTimeoutMs: 3000,
    });

    const [turn] = result.turns;
    expect(turn).toMatchObject({
      name: 'cut-in',
      kind: 'speech',
      spokeOverAgent: true,
      answered: false,
      agentAudioMs: 0,
    });
    // The caller began 500 ms into the greeting (its audio from the frame boundary before), before
    // its 3 s ended: the clear below dropped the rest of it, mark included.
    expect(turn!.startedAtMs - result.greetingLatencyMs!).toBeGreaterThanOrEqual(400);
    expect(turn!.speechOnsetAtMs! - turn!.startedAtMs).toBeGreaterThanOrEqual(199);
    expect(turn!.speechOnsetAtMs! - turn!.startedAtMs).toBeLessThanOrEqual(201);
    // The loud frame goes out once spoken (100 ms frames), and the clear comes back after it.
    expect(turn!.clearAfterOnsetMs).not.toBeNull();
    expect(turn!.clearAfterOnsetMs!).toBeGreaterThan(0);
    expect(result.clears).toBe(1);
    expect(result.clearLog).toHaveLength(1);
    expect(result.clearLog[0]!.droppedMarks).toEqual(['t0s0']);
    expect(result.clearLog[0]!.droppedMs).toBeGreaterThan(0);
    expect(result.marksEchoed).toEqual([]);
    expect(result.mediaLog.length).toBeGreaterThan(0);
  });

  it('presses DTMF keys, hears the answer, and records the gateway closing the socket', async () => {
    server = await scriptedGateway((msg, ws, sid) => {
      if (msg.event === 'start') sendTone(ws, sid, 300, 't0s0');
      if (msg.event === 'dtmf' && (msg.dtmf as { digit: string }).digit === '#') sendTone(ws, sid, 300, 't1s0');
      if (msg.event === 'mark' && (msg.mark as { name: string }).name === 't1s0') ws.close(1000, 'agent hung up');
    });
    const result = await simulateCall({
      url: server.url,
      turns: [{ dtmf: '12#', dtmfGapMs: 50 }],
      quietMs: 2000,
      stayOnLineMs: 5000,
      answerTimeoutMs: 5000,
    });

    const keys = server.seen.filter((m) => m.event === 'dtmf') as {
      sequence_number: string;
      stream_sid: string;
      dtmf: { digit: string };
    }[];
    expect(keys.map((k) => k.dtmf.digit)).toEqual(['1', '2', '#']);
    expect(keys.every((k) => k.stream_sid === result.streamSid)).toBe(true);
    expect(result.dtmfSent.map((d) => d.digit)).toEqual(['1', '2', '#']);
    expect(result.dtmfSent[2]!.atMs - result.dtmfSent[0]!.atMs).toBeGreaterThanOrEqual(90);
    expect(result.turns).toMatchObject([{ kind: 'dtmf', answered: true, agentAudioMs: 300, speechOnsetAtMs: null }]);
    expect(result.endedBy).toBe('gateway');
    expect(result.close).toEqual({ code: 1000, reason: 'agent hung up' });
    expect(result.markEchoes.map((m) => m.name)).toEqual(['t0s0', 't1s0']);
    expect(result.closedAtMs!).toBeGreaterThanOrEqual(result.markEchoes[1]!.atMs);
  });

  it('finds where the speech of a clip starts and ends, and cuts clips out of the audio', async () => {
    const speech = Buffer.concat([Buffer.alloc(8000), sineTone(300, 500, 8000, 0.5)]); // 500 ms silence, 500 ms tone
    expect(speechOnsetMs(speech, 8000)).toBe(500);
    expect(speechOnsetMs(Buffer.alloc(8000), 8000)).toBeNull();
    expect(speechEndMs(Buffer.concat([speech, Buffer.alloc(4800)]), 8000)).toBe(1000); // 300 ms of trailing silence
    expect(speechEndMs(Buffer.alloc(8000), 8000)).toBeNull();
    const clip = await prepareTurn({ audio: { pcm: speech, sampleRate: 8000 }, clip: { fromMs: 400, ms: 200 } }, 8000);
    expect(clip.pcm!.byteLength).toBe(3200);
    expect(clip).toMatchObject({ onsetOffsetMs: 100, speechEndOffsetMs: 200 });
  });
});
