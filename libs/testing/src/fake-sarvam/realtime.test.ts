/**
 * The fake's realtime STT socket, `/speech-to-text-realtime/ws` (reference A2b), driven only
 * through the official `sarvamai` SDK (`client.speechToTextRealtimeStreaming`) with real recorded
 * speech at 8 kHz. The fake recognises the recordings word by word (`fixtureTranscripts`), so a
 * partial holds the words heard so far. Every wait is for a message or a close; the one check about
 * latency measures it in audio time (what had been sent when a message arrived).
 */
import { msForBytes, silence } from '@audexly/audio';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sleep } from '../http-io.js';
import { randomBelow, seededRandom } from '../seeded-random.js';
import { loadSpeechFixture } from '../speech-fixtures.js';
import { fixtureTranscripts, speechFixtureRecordings } from './fixture-transcripts.js';
import { closeReason } from './errors.js';
import { startFakeSarvam } from './server.js';
import type { FakeSarvam } from './server.js';
import {
  audioChunks,
  describeRealtime,
  isError,
  isFinal,
  isPartial,
  openRealtime,
  realtimeBarrier,
  realtimeRefusal,
  sendAudio,
  waitForFinal,
} from './test/sdk-realtime.js';
import type { RealtimeConnectArgs, RealtimeMessage, RealtimeSocket } from './test/sdk-realtime.js';
import type { Inbox } from './test/sdk-sockets.js';
import { saying, spokenWords } from './test/speech.js';
import type { FakeSarvamOptions, TranscriptFn } from './types.js';
import { checkSttRealtimeQuery } from './validate-stt-realtime.js';

const RATE = 8000;
let recognise: TranscriptFn;
let fake: FakeSarvam | null = null;

beforeAll(async () => {
  recognise = fixtureTranscripts(await speechFixtureRecordings(RATE));
});
afterEach(async () => {
  await fake?.close();
  fake = null;
});

/** A fake for one check; it transcribes the recorded speech fixtures to their words. */
async function start(options: FakeSarvamOptions = {}): Promise<FakeSarvam> {
  fake = await startFakeSarvam({ transcripts: recognise, ...options });
  return fake;
}

const realtimeLog = (f: FakeSarvam) => f.requests.find((r) => r.endpoint === 'stt-realtime-ws')!;
const wordsOf = (text: string): string[] => text.split(' ').filter((w) => w !== '');
const pause = (ms: number): Buffer => silence(ms, RATE);
/** Everything the socket sent before a barrier, after `session.begin`, in a word each (earlier barriers' pongs left out). */
const seenSinceBegin = async (socket: RealtimeSocket, inbox: Inbox<RealtimeMessage>): Promise<string[]> =>
  (await realtimeBarrier(socket, inbox))
    .slice(1)
    .map(describeRealtime)
    .filter((d) => d !== 'pong');
const withoutPartials = (seen: string[]): string[] => seen.filter((d) => !d.startsWith('partial:'));

describe('realtime STT socket: session', () => {
  it('sends session.begin first, echoing the resolved config (endpointing as turn_detection)', async () => {
    const f = await start();
    const { socket, inbox } = await openRealtime(f, {
      language_code: 'hi-IN',
      stream_type: 'fast',
      prompt: 'banking',
      silence_duration_ms: '700',
      return_timestamps: 'true',
    });
    const [begin] = await inbox.waitForCount(1);
    expect(begin).toEqual({
      event: 'session.begin',
      request_id: expect.any(String),
      config: {
        model: 'saaras:v3-realtime',
        language_code: 'hi-IN',
        encoding: 'linear16',
        sample_rate: 8000,
        stream_type: 'fast',
        mode: 'transcribe',
        turn_detection: 'vad',
        return_timestamps: true,
        prompt: 'banking',
        silence_duration_ms: 700,
      },
    });
    // What the SDK put on the wire: only the args given, underscore keys, the key in a header only.
    const log = realtimeLog(f);
    expect(log.path).toBe('/speech-to-text-realtime/ws');
    expect(log.params).toEqual({
      language_code: 'hi-IN',
      sample_rate: '8000',
      stream_type: 'fast',
      prompt: 'banking',
      silence_duration_ms: '700',
      return_timestamps: 'true',
    });
    expect(log.headers['api-subscription-key']).toBe('test-key');
    expect(log.headers['sec-websocket-protocol']).toBeUndefined();
    socket.close();
  });

  it('answers ping with pong', async () => {
    const f = await start();
    const { socket, inbox } = await openRealtime(f);
    socket.sendRealtimePing({ event: 'ping' });
    expect(await inbox.waitFor((m) => m.event === 'pong', 'a pong')).toEqual({ event: 'pong' });
    socket.close();
  });

  it('on end finalises the pending utterance, sends session.end and closes with 1000', async () => {
    const f = await start();
    const { socket, inbox } = await openRealtime(f);
    const speech = await spokenWords('goforward', RATE);
    sendAudio(socket, audioChunks(speech, RATE));
    socket.sendRealtimeEnd({ event: 'end' });
    expect(await inbox.waitForClose()).toBe(1000);
    expect(withoutPartials(inbox.messages.map(describeRealtime))).toEqual([
      'begin',
      'start:0',
      `final:0:${saying('goforward')}`,
      'session-end',
    ]);
    const begin = inbox.messages[0] as { request_id: string };
    expect(inbox.messages.at(-1)).toEqual({
      event: 'session.end',
      request_id: begin.request_id,
      total_duration_s: expect.any(Number),
      total_utterances: 1,
      audio_duration_s: speech.byteLength / 2 / RATE,
    });
    expect(realtimeLog(f).transcriptsSent.map((t) => t.cause)).toEqual(['flush']);
  });

  it('closes an idle socket with 1008 after session.end', async () => {
    const f = await start({ sttIdleTimeoutMs: 300 });
    const { inbox } = await openRealtime(f);
    expect(await inbox.waitForClose()).toBe(1008);
    expect(inbox.messages.map(describeRealtime)).toEqual(['begin', 'session-end']);
  });
});

describe('realtime STT socket: partials and finals', () => {
  it('streams partials that grow word by word, then vad.speech_end and the final, unasked', async () => {
    const f = await start();
    const { socket, inbox } = await openRealtime(f);
    sendAudio(socket, audioChunks(Buffer.concat([pause(300), await spokenWords('numbers', RATE), pause(1000)]), RATE));
    await waitForFinal(inbox);
    const seen = await seenSinceBegin(socket, inbox);
    const partials = inbox.messages.filter(isPartial).map((p) => p.text);
    expect(seen).toEqual([
      'start:0',
      ...partials.map((t) => `partial:0:${t}`),
      'end:0',
      `final:0:${saying('numbers')}`,
    ]);
    // Each partial holds the words heard so far: more than the last one, and the final's first words.
    const finalWords = wordsOf(saying('numbers'));
    expect(partials.length).toBeGreaterThanOrEqual(finalWords.length - 1);
    let heard = 0;
    for (const text of partials) {
      const words = wordsOf(text);
      expect(words.length, text).toBeGreaterThan(heard);
      expect(words).toEqual(finalWords.slice(0, words.length));
      heard = words.length;
    }
    expect(realtimeLog(f).transcriptsSent).toEqual([
      { transcript: saying('numbers'), cause: 'end-of-speech', audioSeconds: expect.any(Number) },
    ]);
    socket.close();
  });

  it('sends the same partials and final however the client chunks its audio (partials tick in audio time)', async () => {
    const seed = Number(process.env.REALTIME_CHUNK_SEED ?? 20260611);
    console.log(`realtime chunking seed ${seed} (set REALTIME_CHUNK_SEED to replay another)`);
    const random = seededRandom(seed);
    const f = await start();
    const audio = Buffer.concat([pause(200), await spokenWords('cards-005', RATE), pause(1000)]);
    const runs: string[][] = [];
    for (const chunks of [
      audioChunks(audio, RATE, 20),
      audioChunks(audio, RATE, 0, () => 2 * (1 + randomBelow(random, 1200))),
    ]) {
      const { socket, inbox } = await openRealtime(f);
      sendAudio(socket, chunks);
      await waitForFinal(inbox);
      runs.push(await seenSinceBegin(socket, inbox));
      socket.close();
    }
    expect(runs[1], `seed ${seed}`).toEqual(runs[0]);
    expect(runs[0]!.at(-1)).toBe(`final:0:${saying('cards-005')}`);
  });

  it('refuses flush under endpointing=vad with a non-fatal error, and the utterance goes on', async () => {
    const f = await start();
    const { socket, inbox } = await openRealtime(f);
    sendAudio(socket, audioChunks(await spokenWords('cards-005', RATE), RATE));
    socket.sendRealtimeFlush({ event: 'flush' }); // "endpointing=manual only"
    expect(withoutPartials(await seenSinceBegin(socket, inbox))).toEqual(['start:0', 'error:invalid_request']);
    expect(inbox.messages.find(isError)).toEqual({
      event: 'error',
      code: 'invalid_request',
      is_fatal: false,
      message: expect.stringMatching(/flush.*endpointing=manual/),
    });
    // The flush ended nothing: the VAD's end of speech closes the one utterance.
    sendAudio(socket, audioChunks(pause(1000), RATE));
    await waitForFinal(inbox);
    expect(withoutPartials(await seenSinceBegin(socket, inbox))).toEqual([
      'start:0',
      'error:invalid_request',
      'end:0',
      `final:0:${saying('cards-005')}`,
    ]);
    expect(realtimeLog(f).transcriptsSent.map((t) => t.cause)).toEqual(['end-of-speech']);
    socket.close();
  });

  it('counts utterances from 0, one per final, with segment timestamps when asked', async () => {
    const f = await start();
    const { socket, inbox } = await openRealtime(f, { return_timestamps: 'true' });
    const audio = Buffer.concat([
      await spokenWords('goforward', RATE),
      pause(1000),
      await spokenWords('something', RATE),
      pause(1000),
    ]);
    sendAudio(socket, audioChunks(audio, RATE));
    await inbox.waitFor((m) => isFinal(m) && m.utterance_idx === 1, 'the second final');
    const seen = await seenSinceBegin(socket, inbox);
    expect(withoutPartials(seen)).toEqual([
      'start:0',
      'end:0',
      `final:0:${saying('goforward')}`,
      'start:1',
      'end:1',
      `final:1:${saying('something')}`,
    ]);
    // Partials carry their utterance's index and come between its start and its end.
    expect(seen.slice(1, seen.indexOf('end:0')).every((d) => d.startsWith('partial:0:'))).toBe(true);
    expect(
      seen.slice(seen.indexOf('start:1') + 1, seen.indexOf('end:1')).every((d) => d.startsWith('partial:1:')),
    ).toBe(true);
    const [first, second] = inbox.messages.filter(isFinal);
    expect(first).toEqual({
      event: 'transcript.final',
      utterance_idx: 0,
      text: saying('goforward'),
      start_s: 0,
      end_s: expect.any(Number),
    });
    expect(second!.start_s).toBe(first!.end_s);
    expect(second!.end_s!).toBeLessThanOrEqual(audio.byteLength / 2 / RATE);
    expect(realtimeLog(f).transcriptsSent.map((t) => t.audioSeconds)).toEqual([
      first!.end_s! - first!.start_s!,
      second!.end_s! - second!.start_s!,
    ]);
    socket.close();
  });

  it('says the detected language (and its confidence on finals) only with language_code=auto', async () => {
    const f = await start();
    const { socket, inbox } = await openRealtime(f, { language_code: 'auto' });
    sendAudio(socket, audioChunks(Buffer.concat([await spokenWords('goforward', RATE), pause(1000)]), RATE));
    const final = await waitForFinal(inbox);
    expect(final).toEqual({
      event: 'transcript.final',
      utterance_idx: 0,
      text: saying('goforward'),
      language: 'en-IN',
      language_confidence: 1,
    });
    expect(inbox.messages.filter(isPartial).every((p) => p.language === 'en-IN')).toBe(true);
    socket.close();

    const plain = await openRealtime(f, { language_code: 'en-IN' });
    sendAudio(plain.socket, audioChunks(Buffer.concat([await spokenWords('goforward', RATE), pause(1000)]), RATE));
    expect(await waitForFinal(plain.inbox)).toEqual({
      event: 'transcript.final',
      utterance_idx: 0,
      text: saying('goforward'),
    });
    expect(plain.inbox.messages.filter(isPartial).every((p) => !('language' in p))).toBe(true);
    plain.socket.close();
  });

  it('gives queued transcripts to finals only: no partials without a transcript function', async () => {
    const f = await start({ transcripts: ['first words', 'second words'] });
    const { socket, inbox } = await openRealtime(f);
    sendAudio(socket, audioChunks(Buffer.concat([await spokenWords('numbers', RATE), pause(1000)]), RATE));
    await waitForFinal(inbox);
    expect(await seenSinceBegin(socket, inbox)).toEqual(['start:0', 'end:0', 'final:0:first words']);
    socket.close();
  });

  it('sends no partials with stream_type=simulated', async () => {
    const f = await start();
    const { socket, inbox } = await openRealtime(f, { stream_type: 'simulated' });
    sendAudio(socket, audioChunks(Buffer.concat([await spokenWords('numbers', RATE), pause(1000)]), RATE));
    await waitForFinal(inbox);
    expect(await seenSinceBegin(socket, inbox)).toEqual(['start:0', 'end:0', `final:0:${saying('numbers')}`]);
    socket.close();
  });

  it('with endpointing=manual sends no VAD events, partials only inside an utterance, and the final at speech_end', async () => {
    const f = await start();
    const { socket, inbox } = await openRealtime(f, { endpointing: 'manual' });
    sendAudio(socket, audioChunks(pause(400), RATE)); // before the utterance: buffered, no partials
    socket.sendRealtimeSpeechStart({ event: 'speech_start' });
    sendAudio(socket, audioChunks(Buffer.concat([await spokenWords('numbers', RATE), pause(1500)]), RATE));
    const inTurn = await seenSinceBegin(socket, inbox);
    expect(inTurn.length).toBeGreaterThan(0);
    expect(inTurn.every((d) => d.startsWith('partial:0:'))).toBe(true); // no vad.*, no final of its own
    socket.sendRealtimeSpeechEnd({ event: 'speech_end' });
    await waitForFinal(inbox);
    expect((await seenSinceBegin(socket, inbox)).slice(inTurn.length)).toEqual([`final:0:${saying('numbers')}`]);
    expect(inbox.messages.find(isFinal)).not.toHaveProperty('start_s');
    socket.close();
  });

  it('with endpointing=manual answers every speech_end: a silent utterance and one with no audio get an empty final', async () => {
    // Queued transcripts show that an empty final takes none.
    const f = await start({ transcripts: ['first words', 'second words'] });
    const { socket, inbox } = await openRealtime(f, { endpointing: 'manual', return_timestamps: 'true' });
    socket.sendRealtimeSpeechStart({ event: 'speech_start' });
    sendAudio(socket, audioChunks(pause(1000), RATE)); // silence only
    socket.sendRealtimeSpeechEnd({ event: 'speech_end' });
    socket.sendRealtimeSpeechStart({ event: 'speech_start' });
    socket.sendRealtimeSpeechEnd({ event: 'speech_end' }); // no audio since speech_start
    socket.sendRealtimeSpeechStart({ event: 'speech_start' });
    const speech = await spokenWords('goforward', RATE);
    sendAudio(socket, audioChunks(speech, RATE));
    socket.sendRealtimeSpeechEnd({ event: 'speech_end' });
    expect(await seenSinceBegin(socket, inbox)).toEqual(['final:0:', 'final:1:', 'final:2:first words']);
    expect(inbox.messages.filter(isFinal).map((m) => [m.start_s, m.end_s])).toEqual([
      [0, 1],
      [1, 1],
      [1, (pause(1000).byteLength + speech.byteLength) / 2 / RATE],
    ]);
    expect(realtimeLog(f).transcriptsSent.map((t) => [t.transcript, t.cause])).toEqual([
      ['', 'flush'],
      ['', 'flush'],
      ['first words', 'flush'],
    ]);
    socket.sendRealtimeEnd({ event: 'end' });
    expect(await inbox.waitForClose()).toBe(1000);
    expect(inbox.messages.at(-1)).toMatchObject({ event: 'session.end', total_utterances: 3 });
  });

  it('with endpointing=manual refuses speech_end with no open utterance and a second speech_start, changing nothing', async () => {
    const f = await start();
    const { socket, inbox } = await openRealtime(f, { endpointing: 'manual' });
    socket.sendRealtimeSpeechEnd({ event: 'speech_end' }); // nothing open
    socket.sendRealtimeSpeechStart({ event: 'speech_start' });
    sendAudio(socket, audioChunks(await spokenWords('goforward', RATE), RATE));
    socket.sendRealtimeSpeechStart({ event: 'speech_start' }); // one is open
    sendAudio(socket, audioChunks(pause(300), RATE));
    socket.sendRealtimeSpeechEnd({ event: 'speech_end' });
    socket.sendRealtimeSpeechEnd({ event: 'speech_end' }); // closed already
    expect(withoutPartials(await seenSinceBegin(socket, inbox))).toEqual([
      'error:invalid_request',
      'error:invalid_request',
      `final:0:${saying('goforward')}`,
      'error:invalid_request',
    ]);
    const errors = inbox.messages.filter(isError);
    for (const error of errors) expect(error).toMatchObject({ is_fatal: false });
    expect(errors.map((e) => e.message)).toEqual([
      expect.stringMatching(/speech_end without an open utterance/),
      expect.stringMatching(/speech_start while an utterance is open/),
      expect.stringMatching(/speech_end without an open utterance/),
    ]);
    socket.close();
  });

  it('with endpointing=manual, flush finalises what is buffered: speech, silence as an empty final, nothing for nothing', async () => {
    const f = await start();
    const { socket, inbox } = await openRealtime(f, { endpointing: 'manual' });
    sendAudio(socket, audioChunks(pause(800), RATE));
    socket.sendRealtimeFlush({ event: 'flush' }); // silence only, outside an utterance
    socket.sendRealtimeFlush({ event: 'flush' }); // nothing since the last boundary
    expect(await seenSinceBegin(socket, inbox)).toEqual(['final:0:']);
    socket.sendRealtimeSpeechStart({ event: 'speech_start' });
    sendAudio(socket, audioChunks(await spokenWords('cards-005', RATE), RATE));
    socket.sendRealtimeFlush({ event: 'flush' }); // mid-utterance: finalises, the utterance stays open
    sendAudio(socket, audioChunks(await spokenWords('goforward', RATE), RATE));
    socket.sendRealtimeSpeechEnd({ event: 'speech_end' });
    const seen = await seenSinceBegin(socket, inbox);
    expect(withoutPartials(seen)).toEqual([
      'final:0:',
      `final:1:${saying('cards-005')}`,
      `final:2:${saying('goforward')}`,
    ]);
    // Partials after the flush belong to the next utterance.
    const afterFlush = seen.slice(seen.indexOf(`final:1:${saying('cards-005')}`) + 1, -1);
    expect(afterFlush.length).toBeGreaterThan(0);
    expect(afterFlush.every((d) => d.startsWith('partial:2:'))).toBe(true);
    expect(realtimeLog(f).transcriptsSent.map((t) => t.cause)).toEqual(['flush', 'flush', 'flush']);
    socket.close();
  });
});

describe('realtime STT socket: latency', () => {
  it('sends each answer about its latency after the audio that produced it: partials every 100 ms do not pile up', async () => {
    const LATENCY_MS = 150;
    /**
     * Generous (about 140 ms is seen): the audio's pacing and the fake's timers share one event
     * loop, so a slow machine slows both. Delays that piled up (a `sleep(latency)` per answer, as
     * the legacy socket does) reach about 1.5 s by the end of this recording.
     */
    const MARGIN_MS = 500;
    // Each text is stamped with how much audio it heard, so every answer says when (in audio time)
    // the fake produced it; and every look differs, so a partial is sent every 100 ms of speech.
    const stamped: TranscriptFn = (audio, rate) => `${recognise(audio, rate)} @${msForBytes(audio.byteLength, rate)}`;
    const f = await start({ transcripts: stamped, sttLatencyMs: LATENCY_MS });
    const { socket, inbox } = await openRealtime(f);
    let sentMs = 0;
    const sentWhenArrived = new Map<RealtimeMessage, number>();
    socket.on('message', (m) => {
      sentWhenArrived.set(m, sentMs);
      inbox.receive(m);
    });
    const { pcm } = await loadSpeechFixture('numbers', RATE); // 3 s of speech, to 3.24 s
    // Real-time pacing: one 20 ms chunk per 20 ms timer, so audio time is the audio sent so far.
    // Until after the final is due (the fake's end of speech is at about 4 s, then latency and margin).
    for (const chunk of audioChunks(Buffer.concat([pcm, pause(1500)]), RATE)) {
      sendAudio(socket, [chunk]);
      sentMs += msForBytes(chunk.byteLength, RATE);
      await sleep(20);
    }
    const final = await waitForFinal(inbox);
    const answers = inbox.messages.filter((m) => isPartial(m) || isFinal(m));
    expect(answers.filter(isPartial).length).toBeGreaterThanOrEqual(20);
    expect(answers.at(-1)).toBe(final); // no partial of the utterance after its final
    expect(wordsOf(final.text).slice(0, -1)).toEqual(wordsOf(saying('numbers')));
    for (const answer of answers) {
      const text = (answer as { text: string }).text;
      const producedMs = Number(/@([\d.]+)$/.exec(text)![1]);
      const lagMs = sentWhenArrived.get(answer)! - producedMs;
      expect(lagMs, `${describeRealtime(answer)} arrived after ${lagMs} ms of audio`).toBeGreaterThanOrEqual(0);
      expect(lagMs, `${describeRealtime(answer)} arrived after ${lagMs} ms of audio`).toBeLessThanOrEqual(
        LATENCY_MS + MARGIN_MS,
      );
    }
    socket.close();
  });
});

describe('realtime STT socket: bad messages', () => {
  it('answers each bad message with a non-fatal invalid_request error, and the socket lives on', async () => {
    const f = await start();
    const { socket, inbox } = await openRealtime(f);
    socket.socket.send('{"event": "audio_input", '); // not JSON
    socket.sendRealtimePing(['ping'] as never); // not an object
    socket.sendRealtimeFlush({ event: 'rewind' } as never); // unknown event
    socket.sendRealtimeAudioInput({ event: 'audio_input', audio: 'not base64!' });
    socket.sendRealtimeAudioInput({ event: 'audio_input', audio: Buffer.alloc(3).toString('base64') }); // odd bytes
    socket.sendRealtimeAudioInput({ event: 'audio_input', audio: 42 } as never);
    socket.sendRealtimeSpeechStart({ event: 'speech_start' }); // endpointing=vad
    socket.sendRealtimeSpeechEnd({ event: 'speech_end' });
    socket.sendRealtimeFlush({ event: 'flush' });
    const errors = (await realtimeBarrier(socket, inbox)).filter(isError);
    expect(errors).toHaveLength(9);
    for (const error of errors)
      expect(error).toEqual({ event: 'error', code: 'invalid_request', is_fatal: false, message: expect.any(String) });
    expect(errors[4]!.message).toMatch(/16-bit/);
    for (const error of errors.slice(6)) expect(error.message).toMatch(/only accepted with endpointing=manual/);
    sendAudio(socket, audioChunks(Buffer.concat([await spokenWords('goforward', RATE), pause(1000)]), RATE));
    expect((await waitForFinal(inbox)).text).toBe(saying('goforward'));
    socket.close();
  });

  it('acknowledges config.update with config.updated (nothing applied), and refuses a bad one with a non-fatal invalid_config', async () => {
    const f = await start();
    const { socket, inbox } = await openRealtime(f);
    socket.sendRealtimeConfigUpdate({ event: 'config.update', prompt: 'cards', silence_duration_ms: 800 });
    socket.sendRealtimeConfigUpdate({ event: 'config.update', stream_type: 'simulated' as never });
    socket.sendRealtimeConfigUpdate({ event: 'config.update', language_code: 'od-IN' });
    const seen = (await realtimeBarrier(socket, inbox)).slice(1);
    expect(seen[0]).toEqual({ event: 'config.updated', applied: [] });
    expect(seen.slice(1)).toEqual([
      { event: 'error', code: 'invalid_config', is_fatal: false, message: expect.stringMatching(/simulated/) },
      { event: 'error', code: 'invalid_config', is_fatal: false, message: expect.stringMatching(/or-IN/) },
    ]);
    socket.close();
  });
});

describe('realtime STT socket: refusals (a fatal error, then a close)', () => {
  const refused: [string, Partial<RealtimeConnectArgs>][] = [
    ['a model of another endpoint (saarika:v2.5)', { model: 'saarika:v2.5' as never }],
    ['the legacy socket’s model (saaras:v3)', { model: 'saaras:v3' as never }],
    ['Odia spelt od-IN', { language_code: 'od-IN' as never }],
    ['unknown for auto-detection', { language_code: 'unknown' as never }],
    ['no language_code', { language_code: undefined }],
    ['a sample rate other than 8000 or 16000', { sample_rate: '44100' }],
    ['mulaw (real, not implemented by the fake)', { encoding: 'mulaw' }],
    ['a threshold that is not a number', { threshold: 'high' }],
    ['silence_duration_ms not a whole number of ms', { silence_duration_ms: '-5' }],
    ['a bad endpointing', { endpointing: 'auto' as never }],
  ];
  it.each(refused)(
    'refuses %s: upgrade, fatal invalid_request (status_code 400), close 4000 with the message as reason',
    async (_what, args) => {
      const f = await start();
      const { messages, code, reason } = await realtimeRefusal(f, args);
      expect(messages).toEqual([
        { event: 'error', code: 'invalid_request', is_fatal: true, message: expect.any(String), status_code: 400 },
      ]); // no session.begin, no session.end
      expect(code).toBe(4000);
      const { message } = messages[0] as { message: string };
      expect(reason).toBe(closeReason(message));
      const log = realtimeLog(f);
      expect(log.status).toBe(101);
      expect(log.sent).toEqual(messages);
    },
  );

  it('caps the close reason at 123 bytes, at a character boundary; the error message is whole', async () => {
    const f = await start();
    const { messages, code, reason } = await realtimeRefusal(f, { language_code: 'xx-YY' as never });
    const { message } = messages[0] as { message: string };
    expect(code).toBe(4000);
    expect(Buffer.byteLength(message)).toBeGreaterThan(123); // it lists every language
    expect(message.startsWith(reason)).toBe(true);
    expect(Buffer.byteLength(reason)).toBe(123);
    // Multi-byte characters are never split: 'é' is 2 bytes, so 61 of them (122 bytes) fit.
    expect(closeReason('é'.repeat(100))).toBe('é'.repeat(61));
    expect(closeReason('short')).toBe('short');
  });

  it.each([
    { model: 'saaras:v4' as never },
    { model: 'saaras:v4-realtime' as const },
    { language_code: 'or-IN' as const },
    { language_code: 'auto' as const },
    { sample_rate: '16000', encoding: 'linear16' as const, mode: 'translate' as const },
  ])('accepts %o', async (args) => {
    const f = await start();
    const { socket, inbox } = await openRealtime(f, args);
    expect((await inbox.waitForCount(1))[0]!.event).toBe('session.begin');
    socket.close();
  });

  it('says what to use instead of od-IN, unknown and the encodings it does not implement', () => {
    const problem = (query: string): string => {
      const checked = checkSttRealtimeQuery(new URLSearchParams(query));
      return checked.ok ? 'accepted' : checked.message;
    };
    expect(problem('language_code=od-IN')).toMatch(/or-IN/);
    expect(problem('language_code=unknown')).toMatch(/\bauto\b/);
    expect(problem('language_code=en-IN&encoding=alaw')).toMatch(/fake Sarvam does not implement/);
    expect(problem('language_code=en-IN&model=saaras:v3')).toMatch(/saaras:v3-realtime/);
  });

  it.each([
    ['a wrong key', 'wrong-key'],
    ['no key', undefined],
  ])('refuses %s with a fatal unauthorized error (status_code 403) and close 1003', async (_what, key) => {
    const f = await start();
    const { messages, code, reason } = await realtimeRefusal(f, { 'Api-Subscription-Key': key });
    expect(messages).toEqual([
      {
        event: 'error',
        code: 'unauthorized',
        is_fatal: true,
        message: expect.stringMatching(/api-subscription-key/),
        status_code: 403,
      },
    ]);
    expect(code).toBe(1003);
    expect(reason).toBe((messages[0] as { message: string }).message);
    expect(realtimeLog(f).apiKey).toBe(key ?? null);
  });

  it('takes the key given to connect, not the SDK client’s', async () => {
    const f = await start();
    const { socket, inbox } = await openRealtime(f, {}, 'wrong-client-key');
    expect((await inbox.waitForCount(1))[0]!.event).toBe('session.begin');
    socket.close();
  });
});

describe('realtime STT socket: scripted failures', () => {
  it.each([
    [429, 'rate_limit_exceeded', 1003],
    [403, 'unauthorized', 1003],
    [400, 'invalid_request', 4000],
    [404, 'invalid_request', 4000],
    [500, 'internal_server_error', 1011],
    [503, 'internal_server_error', 1011],
  ])('refuses with a scripted status %i: fatal %s error, then close %i', async (status, errorCode, closeCode) => {
    const f = await start();
    f.inject({ on: 'stt-realtime-ws', status });
    const { messages, code, reason } = await realtimeRefusal(f, {});
    expect(messages).toEqual([
      { event: 'error', code: errorCode, is_fatal: true, message: `injected failure ${status}`, status_code: status },
    ]);
    expect(code).toBe(closeCode);
    expect(reason).toBe(`injected failure ${status}`);
    // Taken by that connection only: the next one begins a session.
    const { socket, inbox } = await openRealtime(f);
    expect((await inbox.waitForCount(1))[0]!.event).toBe('session.begin');
    socket.close();
  });

  it('answers speech_end with a fatal internal_server_error, session.end and a close with 1011', async () => {
    const f = await start();
    f.inject({ on: 'stt-realtime-ws', error: 'backend down' });
    const { socket, inbox } = await openRealtime(f, { endpointing: 'manual' });
    socket.sendRealtimeSpeechStart({ event: 'speech_start' });
    sendAudio(socket, audioChunks(await spokenWords('goforward', RATE), RATE));
    socket.sendRealtimeSpeechEnd({ event: 'speech_end' });
    expect(await inbox.waitForClose()).toBe(1011);
    expect(withoutPartials(inbox.messages.map(describeRealtime))).toEqual([
      'begin',
      'error:internal_server_error',
      'session-end',
    ]);
    expect(inbox.messages.find(isError)).toEqual({
      event: 'error',
      code: 'internal_server_error',
      is_fatal: true,
      message: 'backend down',
      status_code: 500,
    });
  });

  it('stalls one flush (its audio dropped unanswered) and answers the next', async () => {
    const f = await start();
    f.inject({ on: 'stt-realtime-ws', stall: true });
    const { socket, inbox } = await openRealtime(f, { endpointing: 'manual' });
    sendAudio(socket, audioChunks(await spokenWords('goforward', RATE), RATE));
    socket.sendRealtimeFlush({ event: 'flush' });
    sendAudio(socket, audioChunks(await spokenWords('something', RATE), RATE));
    socket.sendRealtimeFlush({ event: 'flush' });
    await waitForFinal(inbox);
    expect(inbox.messages.filter(isFinal).map((m) => `${m.utterance_idx}:${m.text}`)).toEqual([
      `0:${saying('something')}`,
    ]);
    socket.close();
  });

  it('closes with a scripted code at a flush, at the VAD’s end of speech, or once some audio has arrived', async () => {
    const f = await start();
    f.inject({ on: 'stt-realtime-ws', close: 1011 });
    const first = await openRealtime(f, { endpointing: 'manual' });
    sendAudio(first.socket, audioChunks(await spokenWords('goforward', RATE), RATE));
    first.socket.sendRealtimeFlush({ event: 'flush' });
    expect(await first.inbox.waitForClose()).toBe(1011);
    expect(first.inbox.messages.some(isFinal)).toBe(false);

    // Under vad, flush is refused; the server's own finalisation is the one that fails.
    f.inject({ on: 'stt-realtime-ws', close: 1011 });
    const vad = await openRealtime(f);
    sendAudio(vad.socket, audioChunks(await spokenWords('goforward', RATE), RATE));
    vad.socket.sendRealtimeFlush({ event: 'flush' });
    sendAudio(vad.socket, audioChunks(pause(1000), RATE));
    expect(await vad.inbox.waitForClose()).toBe(1011);
    expect(withoutPartials(vad.inbox.messages.map(describeRealtime))).toEqual([
      'begin',
      'start:0',
      'error:invalid_request',
      'end:0',
    ]);

    f.inject({ on: 'stt-realtime-ws', closeAtAudio: 1011, afterAudioMs: 500 });
    const second = await openRealtime(f);
    sendAudio(second.socket, audioChunks(await spokenWords('numbers', RATE), RATE));
    expect(await second.inbox.waitForClose()).toBe(1011);
    const log = f.requests.filter((r) => r.endpoint === 'stt-realtime-ws')[2]!;
    expect(msForBytes(log.audio.byteLength, RATE)).toBe(500);
  });
});
