/**
 * The fake's contract: each behaviour the team's Sarvam reference describes
 * (/work/shared/reference/sarvam-openai.md, part A), the section it comes from, and a check that
 * drives the fake with the official `sarvamai` SDK (raw `ws` or `fetch` only where the SDK cannot
 * say it). Real recorded speech; every wait is for a message, never for time.
 */
import { encodeWav, parseWav, silence, sineTone } from '@audexly/audio';
import type { SarvamAI } from 'sarvamai';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { fixtureTranscripts, speechFixtureRecordings } from './fixture-transcripts.js';
import { startFakeSarvam } from './server.js';
import type { FakeSarvam } from './server.js';
import { saying, spokenWords } from './test/speech.js';
import {
  describeStt,
  openStt,
  openTts,
  sdkClient,
  streamAudio,
  sttBarrier,
  sttConnectFails,
  transcriptData,
} from './test/sdk-sockets.js';
import type { SttConnectArgs, TtsMessage } from './test/sdk-sockets.js';
import type { FakeSarvamOptions, TranscriptFn } from './types.js';
import { fakeSarvamDefaults } from './types.js';

let fake: FakeSarvam | null = null;
let recognise: TranscriptFn;
beforeAll(async () => {
  recognise = fixtureTranscripts([...(await speechFixtureRecordings(8000)), ...(await speechFixtureRecordings(16000))]);
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

const RATE = 16000;
const sttLog = (f: FakeSarvam) => f.requests.find((r) => r.endpoint === 'stt-ws')!;

/** REST TTS through the SDK with any body (the SDK's types would refuse the invalid ones the checks need). */
function convert(f: FakeSarvam, body: Record<string, unknown>): Promise<SarvamAI.TextToSpeechResponse> {
  return sdkClient(f).textToSpeech.convert(body as unknown as SarvamAI.TextToSpeechRequest);
}

/** REST STT through the SDK with any fields. */
function transcribe(
  f: FakeSarvam,
  audio: Buffer,
  fields: Record<string, unknown> = {},
): Promise<SarvamAI.SpeechToTextResponse> {
  return sdkClient(f).speechToText.transcribe({
    file: { data: audio, filename: 'audio.wav', contentType: 'audio/wav' },
    ...fields,
  });
}

/** What the upgrade was answered with, read with a raw `ws` client (the SDK hides the body). */
function upgradeAnswer(f: FakeSarvam, pathAndQuery: string): Promise<{ status: number; body: unknown }> {
  const ws = new WebSocket(`${f.url.replace('http', 'ws')}${pathAndQuery}`, ['api-subscription-key.test-key']);
  return new Promise((resolve, reject) => {
    ws.once('open', () => reject(new Error('the upgrade was accepted')));
    ws.once('unexpected-response', (_req, res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as unknown }));
    });
  });
}

async function expectSttRefused(args: Partial<SttConnectArgs>): Promise<void> {
  const f = await start();
  expect(await sttConnectFails(f, args)).toBe(true);
  expect(sttLog(f).status).toBe(400);
}

const isError = (m: TtsMessage): boolean => m.type === 'error';
const errorOf = (m: TtsMessage | undefined): SarvamAI.ErrorResponse['data'] => (m as SarvamAI.ErrorResponse).data;

/** Sends a TTS config that must be refused and returns the error the socket answered. */
async function ttsConfigError(
  config: Record<string, unknown>,
  model: 'bulbul:v2' | 'bulbul:v3' = 'bulbul:v3',
): Promise<SarvamAI.ErrorResponse['data']> {
  const f = await start();
  const { socket, inbox } = await openTts(f, { model });
  socket.configureConnection(config as Parameters<typeof socket.configureConnection>[0]);
  const error = errorOf(await inbox.waitFor(isError, 'an error'));
  socket.close();
  return error;
}

interface Row {
  behaviour: string;
  source: string;
  check: () => Promise<void>;
}

const table: Row[] = [
  // ── STT streaming: segmentation ─────────────────────────────────────────────────────────────
  {
    behaviour: 'STT WS sends a transcript on its own end of speech, without a flush',
    source: 'A2 "Segmentation is the server\'s as much as the client\'s"',
    check: async () => {
      const f = await start();
      const { socket, inbox } = await openStt(f, { flush_signal: 'false' });
      const words = await spokenWords('goforward', RATE);
      streamAudio(socket, Buffer.concat([words, silence(1000, RATE)]), RATE);
      const data = transcriptData(await inbox.waitFor((m) => m.type === 'data', 'a transcript'));
      expect(data.transcript).toBe(saying('goforward'));
      expect(data.metrics.audio_duration).toBeGreaterThan(words.byteLength / 2 / RATE);
      expect(sttLog(f).transcriptsSent).toEqual([
        { transcript: saying('goforward'), cause: 'end-of-speech', audioSeconds: data.metrics.audio_duration },
      ]);
      socket.close();
    },
  },
  {
    behaviour:
      'STT WS sends several transcripts for one utterance when the caller pauses longer than its end of speech',
    source: 'A2 "Segmentation is the server\'s as much as the client\'s" (a caller who pauses)',
    check: async () => {
      const f = await start();
      const { socket, inbox } = await openStt(f);
      streamAudio(
        socket,
        Buffer.concat([await spokenWords('goforward', RATE), silence(900, RATE), await spokenWords('something', RATE)]),
        RATE,
      );
      socket.flush();
      await inbox.waitForCount(2);
      expect(inbox.messages.map(describeStt)).toEqual([`data:${saying('goforward')}`, `data:${saying('something')}`]);
      expect(sttLog(f).transcriptsSent.map((t) => t.cause)).toEqual(['end-of-speech', 'flush']);
      socket.close();
    },
  },
  {
    behaviour: 'STT WS segments without vad_signals, and sends no events',
    source: 'A2 "Segmentation …": vad_signals decides only whether the events are sent (assumed)',
    check: async () => {
      const f = await start();
      const { socket, inbox } = await openStt(f, { vad_signals: 'false' });
      streamAudio(socket, Buffer.concat([await spokenWords('goforward', RATE), silence(1000, RATE)]), RATE);
      expect((await sttBarrier(socket, inbox)).map(describeStt)).toEqual([`data:${saying('goforward')}`]);
      socket.close();
    },
  },
  {
    behaviour: 'STT WS with vad_signals=true sends START_SPEECH at onset and END_SPEECH before the data',
    source: 'A2 server → client messages; A6 4 (VAD events only when vad_signals=true)',
    check: async () => {
      const f = await start();
      const { socket, inbox } = await openStt(f, { vad_signals: 'true' });
      streamAudio(
        socket,
        Buffer.concat([silence(300, RATE), await spokenWords('numbers', RATE), silence(1000, RATE)]),
        RATE,
      );
      await inbox.waitFor((m) => m.type === 'data', 'a transcript');
      expect(inbox.messages.map(describeStt)).toEqual(['START_SPEECH', 'END_SPEECH', `data:${saying('numbers')}`]);
      const onset = inbox.messages[0]!.data as SarvamAI.EventsData;
      expect(onset).toEqual({
        event_type: 'vad',
        timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        signal_type: 'START_SPEECH',
        occured_at: expect.any(Number),
      });
      socket.close();
    },
  },
  {
    behaviour: 'STT WS answers a flush over speech with one transcript and no END_SPEECH',
    source: 'A2 "one final transcript per utterance (on VAD end-of-speech or flush)"',
    check: async () => {
      const f = await start();
      const { socket, inbox } = await openStt(f, { vad_signals: 'true' });
      streamAudio(socket, await spokenWords('cards-005', RATE), RATE);
      socket.flush();
      await inbox.waitFor((m) => m.type === 'data', 'a transcript');
      expect(inbox.messages.map(describeStt)).toEqual(['START_SPEECH', `data:${saying('cards-005')}`]);
      expect(sttLog(f).transcriptsSent.map((t) => t.cause)).toEqual(['flush']);
      socket.close();
    },
  },
  {
    behaviour: 'STT WS ignores a flush unless the connection has flush_signal=true',
    source: 'A2 query parameters: flush_signal "Must be true for client {"type":"flush"} to be honoured"',
    check: async () => {
      const f = await start();
      const { socket, inbox } = await openStt(f, { flush_signal: 'false' });
      streamAudio(socket, await spokenWords('goforward', RATE), RATE);
      socket.flush();
      expect(await sttBarrier(socket, inbox)).toEqual([]);
      // The speech was still pending: silence now ends it.
      streamAudio(socket, silence(1000, RATE), RATE);
      expect(transcriptData(await inbox.waitFor((m) => m.type === 'data', 'a transcript')).transcript).toBe(
        saying('goforward'),
      );
      socket.close();
    },
  },
  {
    behaviour: 'STT WS answers nothing to a flush when nothing was sent since its own transcript',
    source:
      'A2 "Segmentation …": "A flush after that finalises only the audio sent since … expect an empty transcript or nothing"',
    check: async () => {
      // Even where a flush over silence gets an empty transcript, a flush over no audio gets nothing.
      const f = await start({ sttSilentFlush: 'empty', transcripts: ['the segment'] });
      const { socket, inbox } = await openStt(f);
      // A loud 500 ms, then exactly the silence that ends speech: the segment ends with the audio.
      streamAudio(
        socket,
        Buffer.concat([sineTone(300, 500, RATE), silence(fakeSarvamDefaults.sttEndOfSpeechMs, RATE)]),
        RATE,
      );
      await inbox.waitFor((m) => m.type === 'data', 'a transcript');
      socket.flush();
      expect((await sttBarrier(socket, inbox)).map(describeStt)).toEqual(['data:the segment']);
      socket.close();
    },
  },
  {
    behaviour: 'STT WS answers nothing to a flush over silence (sttSilentFlush "ignore", the default)',
    source: 'A2 "Segmentation …": "which may be silence: expect an empty transcript or nothing"',
    check: async () => {
      const f = await start();
      const { socket, inbox } = await openStt(f);
      streamAudio(socket, silence(500, RATE), RATE);
      socket.flush();
      expect(await sttBarrier(socket, inbox)).toEqual([]);
      socket.close();
    },
  },
  {
    behaviour: 'STT WS answers a flush over silence with an empty transcript (sttSilentFlush "empty")',
    source: 'A2 "Segmentation …": "which may be silence: expect an empty transcript or nothing"',
    check: async () => {
      const f = await start({ sttSilentFlush: 'empty', transcripts: ['queued'] });
      const { socket, inbox } = await openStt(f);
      streamAudio(socket, silence(500, RATE), RATE);
      socket.flush();
      const data = transcriptData(await inbox.waitFor((m) => m.type === 'data', 'a transcript'));
      expect(data).toMatchObject({ transcript: '', metrics: { audio_duration: 0.5 } });
      // The empty answer took no transcript from the queue: the next speech gets it.
      streamAudio(socket, await spokenWords('goforward', RATE), RATE);
      socket.flush();
      await inbox.waitForCount(2);
      expect(inbox.messages.map(describeStt)).toEqual(['data:', 'data:queued']);
      socket.close();
    },
  },
  {
    behaviour: 'STT WS data carries request_id, null timestamps, the language and metrics',
    source: 'A2 server → client messages (SpeechToTextTranscriptionData)',
    check: async () => {
      const f = await start();
      const { socket, inbox } = await openStt(f, { 'language-code': 'unknown', sample_rate: '8000' });
      const words = await spokenWords('something', 8000);
      streamAudio(socket, words, 8000);
      socket.flush();
      const data = transcriptData(await inbox.waitFor((m) => m.type === 'data', 'a transcript'));
      expect(data).toEqual({
        request_id: expect.any(String),
        transcript: saying('something'),
        timestamps: null,
        diarized_transcript: null,
        language_code: 'en-IN',
        language_probability: null,
        metrics: { audio_duration: words.byteLength / 2 / 8000, processing_latency: 0 },
      });
      socket.close();
    },
  },
  {
    behaviour: 'STT WS takes WAV files as audio messages (input_audio_codec=wav)',
    source: 'A2 query parameters: input_audio_codec wav; client messages: data may be raw PCM16LE or WAV',
    check: async () => {
      const f = await start();
      const { socket, inbox } = await openStt(f, { input_audio_codec: 'wav' });
      const words = await spokenWords('cards-001', RATE);
      socket.transcribe({ audio: encodeWav(words, RATE).toString('base64'), sample_rate: RATE, encoding: 'audio/wav' });
      socket.flush();
      expect(transcriptData(await inbox.waitFor((m) => m.type === 'data', 'a transcript')).transcript).toBe(
        saying('cards-001'),
      );
      expect(sttLog(f).audio.equals(words)).toBe(true);
      socket.close();
    },
  },
  // ── STT streaming: refusals ─────────────────────────────────────────────────────────────────
  {
    behaviour: 'STT WS refuses an unknown model at the upgrade',
    source: 'A2 query parameters: model; A5 models (saarika:v1 is gone)',
    check: () => expectSttRefused({ model: 'saarika:v1' as SttConnectArgs['model'] }),
  },
  {
    behaviour: 'STT WS refuses a language its model does not take (saarika:v2.5 with as-IN)',
    source: 'A5 "saarika:v2.5 supports only the first 11 plus unknown"',
    check: async () => {
      await expectSttRefused({ model: 'saarika:v2.5' as SttConnectArgs['model'], 'language-code': 'as-IN' });
      await fake?.close();
      await expectSttRefused({ 'language-code': 'xx-IN' as SttConnectArgs['language-code'] });
    },
  },
  {
    behaviour: 'STT WS refuses a sample_rate other than 8000 or 16000',
    source: 'A2 query parameters: sample_rate "16000" (default) or "8000"',
    check: () => expectSttRefused({ sample_rate: '22050' }),
  },
  {
    behaviour: 'STT WS refuses an input_audio_codec other than WAV or raw PCM',
    source: 'A2 query parameters: input_audio_codec "streaming accepts WAV or raw PCM only"',
    check: () => expectSttRefused({ input_audio_codec: 'mp3' as SttConnectArgs['input_audio_codec'] }),
  },
  {
    behaviour: "STT WS refuses with HTTP 400 and Sarvam's error body",
    source: 'A0 Errors (REST): error body; A6 2',
    check: async () => {
      const f = await start();
      expect(await upgradeAnswer(f, '/speech-to-text/ws?language-code=en-IN&model=saaras:v9')).toEqual({
        status: 400,
        body: { error: { message: expect.stringContaining('saaras:v9'), code: 'invalid_request_error' } },
      });
    },
  },
  {
    behaviour: 'STT WS answers an audio message whose encoding is not audio/wav with an error message',
    source: 'A2 client messages: "encoding allows only audio/wav"; server messages: error',
    check: async () => {
      const f = await start();
      const { socket, inbox } = await openStt(f);
      socket.transcribe({ audio: silence(20, RATE).toString('base64'), sample_rate: RATE, encoding: 'audio/x-raw' });
      const error = await inbox.waitFor((m) => m.type === 'error', 'an error');
      expect(error.data).toEqual({ error: expect.stringContaining('audio/x-raw'), code: 'invalid_request_error' });
      socket.close();
    },
  },
  {
    behaviour: 'STT WS answers audio that is not base64, or a message that is not JSON, with an error message',
    source: 'A2 server messages: {"type":"error","data":{"error","code"}}',
    check: async () => {
      const f = await start();
      const { socket, inbox } = await openStt(f);
      socket.transcribe({ audio: 'not base64!', sample_rate: RATE, encoding: 'audio/wav' });
      socket.socket.send('{not json');
      await inbox.waitForCount(2);
      expect(inbox.messages.map((m) => m.data)).toEqual([
        { error: expect.stringContaining('base64'), code: 'invalid_request_error' },
        { error: expect.stringContaining('JSON'), code: 'invalid_request_error' },
      ]);
      socket.close();
    },
  },
  {
    behaviour: 'STT WS ignores config and unknown message types',
    source: 'A2 client messages 3–4; A6 3 "Ignore unknown fields and unknown message types"',
    check: async () => {
      const f = await start();
      const { socket, inbox } = await openStt(f);
      socket.setPrompt('banking terms');
      socket.socket.send(
        JSON.stringify({ type: 'end_of_stream', audio: { data: '', encoding: 'audio/wav', sample_rate: RATE } }),
      );
      expect(await sttBarrier(socket, inbox)).toEqual([]);
      socket.close();
    },
  },
  {
    behaviour: 'STT WS closes a socket that received nothing for the idle limit with 1008',
    source: 'A2 idle timeout (STT limit unverified; TTS: one minute); A2b close code 1008 (inactivity)',
    check: async () => {
      const f = await start({ sttIdleTimeoutMs: 100 });
      const { inbox } = await openStt(f);
      expect(await inbox.waitForClose()).toBe(1008);
    },
  },
  {
    behaviour: 'STT WS can drop mid-utterance with a non-1000 close code',
    source: 'A6 4 "Close with a non-1000 code to test the SDK\'s auto-reconnect path"',
    check: async () => {
      const f = await start();
      f.inject({ on: 'stt-ws', closeAtAudio: 1011, afterAudioMs: 500 });
      const { socket, inbox } = await openStt(f);
      streamAudio(socket, await spokenWords('librivox-0870', RATE), RATE);
      expect(await inbox.waitForClose()).toBe(1011);
      expect(sttLog(f).audio.byteLength).toBe(RATE); // 500 ms, then the drop
    },
  },
  // ── Auth ─────────────────────────────────────────────────────────────────────────────────────
  {
    behaviour: 'WS takes the key from the subprotocol alone and echoes the subprotocol',
    source: 'A0 Auth: "a fake server must accept the key from either the header or the subprotocol"',
    check: async () => {
      const f = await start();
      const ws = new WebSocket(`${f.url.replace('http', 'ws')}/speech-to-text/ws?language-code=en-IN`, [
        'api-subscription-key.test-key',
      ]);
      await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
      expect(ws.protocol).toBe('api-subscription-key.test-key');
      ws.close();
    },
  },
  {
    behaviour: 'REST refuses a wrong key with 403 invalid_api_key_error; WS refuses its upgrade',
    source: 'A0 Auth: "A bad or missing key gets HTTP 403 (not 401)"; A6 2',
    check: async () => {
      const f = await start({ apiKey: 'right' });
      await expect(
        sdkClient(f, 'wrong').textToSpeech.convert({ text: 'hi', language_code: 'en-IN' }),
      ).rejects.toMatchObject({
        statusCode: 403,
        body: { error: { code: 'invalid_api_key_error' } },
      });
      expect(await sttConnectFails(f, {})).toBe(true);
    },
  },
  // ── STT REST ─────────────────────────────────────────────────────────────────────────────────
  {
    behaviour: 'STT REST transcribes a WAV at its own rate, with saaras:v3 by default, detecting the language',
    source: 'A1 fields (model default saaras:v3; language_code optional) and response',
    check: async () => {
      const f = await start();
      const response = await transcribe(f, encodeWav(await spokenWords('numbers', 8000), 8000));
      expect(response).toMatchObject({
        transcript: saying('numbers'),
        language_code: 'en-IN',
        language_probability: expect.any(Number),
      });
    },
  },
  {
    behaviour: 'STT REST takes raw PCM (no WAV header) only as 16 kHz',
    source: 'A1 input_audio_codec: "PCM files are supported only at 16kHz"',
    check: async () => {
      const f = await start();
      expect(
        (await transcribe(f, await spokenWords('goforward', 16000), { input_audio_codec: 'pcm_s16le' })).transcript,
      ).toBe(saying('goforward'));
      // 8 kHz samples read as 16 kHz are not the recording any more.
      expect(
        (await transcribe(f, await spokenWords('goforward', 8000), { input_audio_codec: 'pcm_s16le' })).transcript,
      ).toBe('');
    },
  },
  {
    behaviour: 'STT REST refuses audio longer than 30 s',
    source: 'A1 Limits: "max 30 s of audio per REST request"',
    check: async () => {
      const f = await start();
      await expect(transcribe(f, encodeWav(silence(30_020, 16000), 16000))).rejects.toMatchObject({
        statusCode: 400,
        body: { error: { code: 'invalid_request_error' } },
      });
      expect((await transcribe(f, encodeWav(silence(30_000, 16000), 16000))).transcript).toBeDefined();
    },
  },
  {
    behaviour: 'STT REST refuses a mode other than transcribe on saarika:v2.5',
    source: 'A1 fields: mode "saaras:v3/v4 only"',
    check: async () => {
      const f = await start();
      const wav = encodeWav(await spokenWords('goforward', 16000), 16000);
      await expect(transcribe(f, wav, { model: 'saarika:v2.5', mode: 'translate' })).rejects.toMatchObject({
        statusCode: 400,
      });
      await expect(transcribe(f, wav, { model: 'saaras:v3', mode: 'summarise' })).rejects.toMatchObject({
        statusCode: 400,
      });
      expect((await transcribe(f, wav, { model: 'saaras:v3', mode: 'translate' })).transcript).toBe(
        saying('goforward'),
      );
    },
  },
  {
    behaviour: 'STT REST refuses a language its model does not take, and an unknown model',
    source: 'A5 STT language codes and models',
    check: async () => {
      const f = await start();
      const wav = encodeWav(silence(500, 16000), 16000);
      await expect(transcribe(f, wav, { model: 'saarika:v2.5', language_code: 'kok-IN' })).rejects.toMatchObject({
        statusCode: 400,
      });
      await expect(transcribe(f, wav, { model: 'saaras:v2' })).rejects.toMatchObject({ statusCode: 400 });
    },
  },
  {
    behaviour: 'STT REST answers a request without a file with 422',
    source: 'A1 fields: file (required); A0 error codes (unprocessable_entity_error)',
    check: async () => {
      const f = await start();
      const form = new FormData();
      form.set('model', 'saaras:v3');
      const res = await fetch(`${f.url}/speech-to-text`, {
        method: 'POST',
        headers: { 'api-subscription-key': 'test-key' },
        body: form,
      });
      expect(res.status).toBe(422);
      expect(await res.json()).toEqual({
        error: { message: expect.any(String), code: 'unprocessable_entity_error', request_id: expect.any(String) },
      });
    },
  },
  // ── TTS REST ─────────────────────────────────────────────────────────────────────────────────
  {
    behaviour: "TTS REST refuses a speaker of another model (bulbul:v3 with anushka) with Sarvam's error body",
    source: 'A3 speaker: "must match the model"; A0 REST error body',
    check: async () => {
      const f = await start();
      await expect(
        convert(f, { text: 'Hello', language_code: 'en-IN', model: 'bulbul:v3', speaker: 'anushka' }),
      ).rejects.toMatchObject({
        statusCode: 400,
        body: {
          error: {
            message: expect.stringContaining('anushka'),
            code: 'invalid_request_error',
            request_id: expect.any(String),
          },
        },
      });
      await expect(
        convert(f, { text: 'Hello', language_code: 'en-IN', model: 'bulbul:v3', speaker: 'Shubh' }),
      ).rejects.toMatchObject({ statusCode: 400 });
    },
  },
  {
    behaviour: 'TTS REST refuses a pace outside the model range (2.5 on bulbul:v3)',
    source: 'A3 pace: "v2: 0.3 … 3.0; v3: 0.5 … 2.0"',
    check: async () => {
      const f = await start();
      await expect(
        convert(f, { text: 'Hello', language_code: 'en-IN', model: 'bulbul:v3', pace: 2.5 }),
      ).rejects.toMatchObject({ statusCode: 400 });
      await expect(
        convert(f, { text: 'Hello', language_code: 'en-IN', model: 'bulbul:v2', pace: 3.5 }),
      ).rejects.toMatchObject({ statusCode: 400 });
    },
  },
  {
    behaviour: "TTS REST refuses text longer than the model's limit",
    source: 'A3 text: "max 1500 chars for bulbul:v2, 2500 for bulbul:v3"',
    check: async () => {
      const f = await start();
      await expect(
        convert(f, { text: 'a'.repeat(1501), language_code: 'en-IN', model: 'bulbul:v2' }),
      ).rejects.toMatchObject({ statusCode: 400 });
      await expect(
        convert(f, { text: 'a'.repeat(2501), language_code: 'en-IN', model: 'bulbul:v3' }),
      ).rejects.toMatchObject({ statusCode: 400 });
    },
  },
  {
    behaviour: 'TTS REST refuses a sample rate the model does not have, and takes 48 kHz on bulbul:v3',
    source: 'A3 speech_sample_rate: "8000 … 24000 (+32000, 44100, 48000 on bulbul:v3 REST only)"',
    check: async () => {
      const f = await start();
      await expect(
        convert(f, { text: 'Hello', language_code: 'en-IN', model: 'bulbul:v2', speech_sample_rate: 48000 }),
      ).rejects.toMatchObject({ statusCode: 400 });
      await expect(
        convert(f, { text: 'Hello', language_code: 'en-IN', speech_sample_rate: 11025 }),
      ).rejects.toMatchObject({ statusCode: 400 });
      const { audios } = await convert(f, {
        text: 'Hello',
        language_code: 'en-IN',
        model: 'bulbul:v3',
        speech_sample_rate: 48000,
      });
      expect(parseWav(Buffer.from(audios[0]!, 'base64')).sampleRate).toBe(48000);
    },
  },
  {
    behaviour: 'TTS REST refuses pitch and loudness out of range on bulbul:v2 and ignores them on bulbul:v3',
    source: 'A3 pitch, loudness: "bulbul:v2 only"',
    check: async () => {
      const f = await start();
      await expect(
        convert(f, { text: 'Hello', language_code: 'en-IN', model: 'bulbul:v2', pitch: 1 }),
      ).rejects.toMatchObject({ statusCode: 400 });
      await expect(
        convert(f, { text: 'Hello', language_code: 'en-IN', model: 'bulbul:v2', loudness: 0.1 }),
      ).rejects.toMatchObject({ statusCode: 400 });
      expect(
        (await convert(f, { text: 'Hello', language_code: 'en-IN', model: 'bulbul:v3', pitch: 1, loudness: 0.1 }))
          .audios,
      ).toHaveLength(1);
    },
  },
  {
    behaviour: 'TTS REST takes target_language_code for language_code, and answers a body without either with 422',
    source: 'Introduction, "Fake-server rule: accept both spellings"; A3 language_code (required)',
    check: async () => {
      const f = await start();
      const { audios } = await convert(f, {
        text: 'नमस्ते',
        target_language_code: 'hi-IN',
        model: 'bulbul:v2',
        speech_sample_rate: 8000,
      });
      expect(parseWav(Buffer.from(audios[0]!, 'base64')).sampleRate).toBe(8000);
      await expect(convert(f, { text: 'Hello' })).rejects.toMatchObject({
        statusCode: 422,
        body: { error: { code: 'unprocessable_entity_error' } },
      });
      await expect(convert(f, { text: 'Hello', language_code: 'as-IN' })).rejects.toMatchObject({ statusCode: 400 });
    },
  },
  // ── TTS streaming ────────────────────────────────────────────────────────────────────────────
  {
    behaviour: 'TTS WS answers text before any config with an error whose code is an integer',
    source: 'A4 client → server 1: config "Must be the first message"; server → client: error code is an integer',
    check: async () => {
      const f = await start();
      const { socket, inbox } = await openTts(f, { model: 'bulbul:v3' });
      socket.convert('Hello');
      expect(errorOf(await inbox.waitFor(isError, 'an error'))).toEqual({
        message: expect.any(String),
        code: 400,
        details: {},
        request_id: expect.any(String),
      });
      socket.close();
    },
  },
  {
    behaviour: "TTS WS takes the SDK's configureConnection on bulbul:v3 (it always sends pitch 0 and loudness 1)",
    source: 'A4 "SDK 1.1.10 gotchas": configureConnection fills in defaults',
    check: async () => {
      const f = await start();
      const { socket, inbox } = await openTts(f, { model: 'bulbul:v3' });
      socket.configureConnection({
        language_code: 'en-IN',
        speaker: 'shubh',
        speech_sample_rate: 8000,
        output_audio_codec: 'linear16',
      });
      socket.convert('Hello there.');
      socket.flush();
      await inbox.waitFor((m) => m.type === 'event', 'the final event');
      expect(inbox.messages.filter(isError)).toEqual([]);
      expect(inbox.messages.filter((m) => m.type === 'audio').length).toBeGreaterThan(0);
      socket.close();
    },
  },
  {
    behaviour: "TTS WS refuses the SDK's default speaker anushka on bulbul:v3",
    source: 'A4 "SDK 1.1.10 gotchas" (default speaker anushka); A3 speaker must match the model',
    check: async () => {
      expect(
        await ttsConfigError({ language_code: 'en-IN', speech_sample_rate: 8000, output_audio_codec: 'linear16' }),
      ).toMatchObject({
        code: 400,
        message: expect.stringContaining('anushka'),
      });
    },
  },
  {
    behaviour: 'TTS WS refuses a pace outside the model range and a sample rate the socket does not stream',
    source: 'A3 pace; A4 field ranges: speech_sample_rate 8000/16000/22050/24000',
    check: async () => {
      expect(
        await ttsConfigError({ language_code: 'en-IN', speaker: 'shubh', pace: 2.5, output_audio_codec: 'linear16' }),
      ).toMatchObject({ code: 400 });
      await fake?.close();
      expect(
        await ttsConfigError({
          language_code: 'en-IN',
          speaker: 'shubh',
          speech_sample_rate: 48000,
          output_audio_codec: 'linear16',
        }),
      ).toMatchObject({ code: 400 });
    },
  },
  {
    behaviour: 'TTS WS refuses flac, aac and opus, which the socket does not stream',
    source: 'A4 field ranges: output_audio_codec "WS supports mp3, wav, linear16, mulaw, alaw, not flac/aac/opus"',
    check: async () => {
      expect(
        await ttsConfigError({
          language_code: 'en-IN',
          speaker: 'shubh',
          speech_sample_rate: 8000,
          output_audio_codec: 'flac',
        }),
      ).toMatchObject({
        code: 400,
        message: expect.stringContaining('flac'),
      });
    },
  },
  {
    behaviour: 'TTS WS refuses min_buffer_size outside 30–200',
    source: 'A4 field ranges: "min_buffer_size: 30–200"',
    check: async () => {
      expect(
        await ttsConfigError({
          language_code: 'en-IN',
          speaker: 'shubh',
          output_audio_codec: 'linear16',
          speech_sample_rate: 8000,
          min_buffer_size: 20,
        }),
      ).toMatchObject({ code: 400 });
    },
  },
  {
    behaviour: 'TTS WS refuses a text message over 2500 characters',
    source: 'A4 client → server 2: text "max 2500 chars per message"',
    check: async () => {
      const f = await start();
      const { socket, inbox } = await openTts(f, { model: 'bulbul:v3' });
      socket.configureConnection({
        language_code: 'en-IN',
        speaker: 'shubh',
        speech_sample_rate: 8000,
        output_audio_codec: 'linear16',
      });
      socket.convert('a'.repeat(2501));
      expect(errorOf(await inbox.waitFor(isError, 'an error'))).toMatchObject({
        code: 400,
        message: expect.stringContaining('too long'),
      });
      socket.close();
    },
  },
  {
    behaviour: 'TTS WS sends audio then a final event on flush, and no final with send_completion_event=false',
    source: 'A4 server → client: audio chunks, then event final (only if send_completion_event=true)',
    check: async () => {
      const f = await start();
      const { socket, inbox } = await openTts(f, { model: 'bulbul:v2', send_completion_event: 'false' });
      socket.configureConnection({
        language_code: 'hi-IN',
        speaker: 'anushka',
        speech_sample_rate: '16000' as unknown as number,
        output_audio_codec: 'wav',
      });
      socket.convert('नमस्ते');
      socket.flush();
      socket.convert('a'.repeat(2501)); // a refusal, queued behind the speech: proves it is all out
      await inbox.waitFor(isError, 'the refusal');
      expect(inbox.messages.map((m) => m.type)).toEqual([...inbox.messages.slice(0, -1).map(() => 'audio'), 'error']);
      expect(inbox.messages.length).toBeGreaterThan(2);
      socket.close();
    },
  },
  {
    behaviour: 'TTS WS speaks text once min_buffer_size characters are buffered, without a flush',
    source: 'A4 client → server 3: flush "forces synthesis of buffered text below min_buffer_size"',
    check: async () => {
      const f = await start();
      const { socket, inbox } = await openTts(f, { model: 'bulbul:v3' });
      socket.configureConnection({
        language_code: 'en-IN',
        speaker: 'shubh',
        speech_sample_rate: 8000,
        output_audio_codec: 'linear16',
        min_buffer_size: 30,
      });
      socket.convert('This sentence is longer than thirty characters.');
      await inbox.waitFor((m) => m.type === 'audio', 'audio');
      expect(inbox.messages.some((m) => m.type === 'event')).toBe(false);
      socket.close();
    },
  },
  {
    behaviour: 'TTS WS takes a config re-sent at any time',
    source: 'A4 client → server 1: config "It can be re-sent at any time"',
    check: async () => {
      const f = await start();
      const { socket, inbox } = await openTts(f, { model: 'bulbul:v2' });
      socket.configureConnection({
        language_code: 'en-IN',
        speaker: 'anushka',
        speech_sample_rate: 8000,
        output_audio_codec: 'linear16',
      });
      socket.configureConnection({
        language_code: 'hi-IN',
        speaker: 'karun',
        speech_sample_rate: 16000,
        output_audio_codec: 'wav',
      });
      socket.convert('नमस्ते');
      socket.flush();
      await inbox.waitFor((m) => m.type === 'event', 'the final event');
      const audio = inbox.messages.find((m) => m.type === 'audio') as SarvamAI.AudioOutput;
      expect(parseWav(Buffer.from(audio.data.audio, 'base64')).sampleRate).toBe(16000);
      socket.close();
    },
  },
  {
    behaviour: 'TTS WS refuses an unknown model at the upgrade',
    source: 'A4 query parameters: model bulbul:v2 or bulbul:v3; A5 (bulbul:v1 gone)',
    check: async () => {
      const f = await start();
      expect(await upgradeAnswer(f, '/text-to-speech/ws?model=bulbul:v1')).toEqual({
        status: 400,
        body: { error: { message: expect.any(String), code: 'invalid_request_error' } },
      });
    },
  },
];

describe('the fake Sarvam keeps the reference contract', () => {
  // Tuples, so the names print whole: `%s` does not shorten strings as `$field` does.
  it.each(table.map((row) => [row.behaviour, row.source, row.check] as const))(
    '%s — reference %s',
    async (_behaviour, _source, check) => {
      await check();
    },
  );
});
