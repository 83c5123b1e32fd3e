import type { CallHandler } from '@audexly/stage';
import { Conversation } from './conversation.js';
import type { LlmChoice } from './llm-provider.js';

export interface LlmHandlerOptions {
  llm: LlmChoice;
  idleTimeoutMs: number;
  minSegmentChars: number;
}

/**
 * Per call: `call.started` → greeting (turn 0); `speech.final` n → streamed reply as turn n;
 * `control.interrupt` stops the turn; `playback.interrupted` trims the history to what was heard.
 */
export function createLlmHandler(options: LlmHandlerOptions): CallHandler {
  return async (call) => {
    // Our own lifecycle subscription: the stage runtime's watches only for call.ended.
    const lifecycle = call.events('lifecycle');
    const speech = call.events('speech');
    const control = call.events('control');
    const playback = call.events('playback');
    const conversation = new Conversation(call, options.llm, { idleTimeoutMs: options.idleTimeoutMs, minSegmentChars: options.minSegmentChars });
    try {
      await Promise.all([
        (async () => {
          for await (const { event } of lifecycle) if (event.type === 'call.started') conversation.greet();
        })(),
        (async () => {
          for await (const { event } of speech) if (event.type === 'speech.final' && event.text.trim() !== '') await conversation.answer(event);
        })(),
        (async () => {
          for await (const { event } of control) if (event.type === 'control.interrupt') conversation.interrupt(event.turn);
        })(),
        (async () => {
          for await (const { event } of playback) if (event.type === 'playback.interrupted') conversation.heard(event.turn, event.heardSegments);
        })(),
      ]);
    } finally {
      await conversation.close();
    }
  };
}
