import type { SampleRate } from '@audexly/protocol';
import type { CallHandler } from '@audexly/stage';
import { Speaker, type SpeakerSession } from './speaker.js';
import type { TtsChoice } from './tts-provider.js';

export interface TtsHandlerOptions {
  tts: TtsChoice;
  /** Rate to ask the provider for; the call's rate when unset. */
  providerSampleRate?: SampleRate;
}

/** Per call: one TTS session; `reply.segment` → audio on `audio.out`; `control.interrupt` stops a turn. */
export function createTtsHandler(options: TtsHandlerOptions): CallHandler {
  return async (call) => {
    const replies = call.events('reply');
    const control = call.events('control');
    const speaker = new Speaker(call);
    const session = await openSession(call, options);
    try {
      await Promise.all([
        (async () => {
          for await (const { event } of replies) if (event.type === 'reply.segment') speaker.enqueue(event);
          speaker.end();
        })(),
        (async () => {
          for await (const { event } of control) if (event.type === 'control.interrupt') speaker.interrupt(event.turn);
        })(),
        speaker.run(session),
      ]);
    } finally {
      await session.session?.close();
    }
  };
}

async function openSession(call: Parameters<CallHandler>[0], options: TtsHandlerOptions): Promise<SpeakerSession> {
  if (options.tts.provider === null) return { session: null, reason: options.tts.reason };
  const { agent, sampleRate: callRate } = call.call;
  const sampleRate = options.providerSampleRate ?? callRate;
  try {
    const session = await options.tts.provider.openSession({ sampleRate, model: agent.tts.model, speaker: agent.tts.speaker, language: agent.tts.language, pace: agent.tts.pace });
    return { session, sampleRate };
  } catch (err) {
    call.log.warn({ err }, 'TTS session did not open');
    return { session: null, reason: 'could not open a text-to-speech session' };
  }
}
