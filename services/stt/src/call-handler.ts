import { AudioHeader, subjects } from '@audexly/protocol';
import { msForBytes } from '@audexly/audio';
import type { CallHandler, StageCall } from '@audexly/stage';
import { SpeechSegmenter } from './speech-segmenter.js';
import type { SttChoice } from './stt-provider.js';
import { Transcriber } from './transcriber.js';
import { createVad, type VadChoice } from './vad-choice.js';

export interface SttHandlerOptions {
  stt: SttChoice;
  preRollMs: number;
  vad: VadChoice;
}

/**
 * Per call: caller audio → VAD and turn detection → `speech.started` / `speech.stopped`, and the
 * utterance's audio through the STT session → `speech.final`. Utterances are numbered from 1.
 */
export function createSttHandler(options: SttHandlerOptions): CallHandler {
  return async (call) => {
    const audio = call.audio(subjects.audioIn(call.callId));
    const { agent, sampleRate } = call.call;
    const transcriber = new Transcriber(call, options.stt);
    const vad = await createVad(options.vad, sampleRate, call.log);
    const segmenter = new SpeechSegmenter({ sampleRate, turn: agent.turn, preRollMs: options.preRollMs, vad });
    // After a failover, utterances continue from the last one the previous instance announced.
    let utterance = call.reclaimed ? await lastUtterance(call) : 0;
    let speechStartMs = 0;
    let nextTimelineMs: number | null = null;
    try {
      await transcriber.warmUp();
      for await (const message of audio) {
        const pcm = Buffer.from(message.data.buffer, message.data.byteOffset, message.data.byteLength);
        if (pcm.byteLength === 0) continue;
        // Timestamps come from the audio headers, so they are exact; wall clock only if one is missing.
        const timelineMs = message.num(AudioHeader.timelineMs, nextTimelineMs ?? call.timelineMs());
        nextTimelineMs = timelineMs + msForBytes(pcm.byteLength, sampleRate);
        for (const action of await segmenter.push(pcm, timelineMs)) {
          if (action.type === 'start') {
            utterance++;
            speechStartMs = action.speechStartMs;
            call.publish('speech', { type: 'speech.started', utterance, speechStartMs });
            await transcriber.begin(utterance);
            transcriber.push(action.audio);
          } else if (action.type === 'audio') {
            transcriber.push(action.pcm);
          } else {
            call.publish('speech', { type: 'speech.stopped', utterance, speechEndMs: action.speechEndMs });
            transcriber.end({ utterance, speechStartMs, speechEndMs: action.speechEndMs });
          }
        }
      }
    } finally {
      vad.close?.();
      await transcriber.close();
    }
  };
}

/** The highest utterance number in the call's event log (0 when none, or the log cannot be read). */
async function lastUtterance(call: StageCall): Promise<number> {
  try {
    const events = await call.readEvents();
    const numbers = events.flatMap((e) => (e.type === 'speech.started' || e.type === 'speech.stopped' || e.type === 'speech.final' ? [e.utterance] : []));
    const last = Math.max(0, ...numbers);
    call.log.info({ lastUtterance: last }, 're-claimed: utterance numbering continues from the event log');
    return last;
  } catch (err) {
    call.log.warn({ err }, 'could not read the event log; utterance numbering restarts');
    return 0;
  }
}
