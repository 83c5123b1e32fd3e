import { AudioHeader, subjects } from '@audexly/protocol';
import { msForBytes } from '@audexly/audio';
import type { CallHandler } from '@audexly/stage';
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
    let utterance = 0;
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
