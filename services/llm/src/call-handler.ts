import type { AnyEvent } from '@audexly/protocol';
import type { CallPort, CallPortHandler } from '@audexly/stage';
import { Conversation, type ConversationSettings } from './conversation.js';
import type { LlmChoice } from './llm-provider.js';
import { restoreConversation } from './recovery.js';

export interface LlmHandlerOptions extends ConversationSettings {
  llm: LlmChoice;
  /** A claim this long after the call started is a re-claim: the conversation is rebuilt from the event log. */
  recoveryMinAgeMs: number;
}

/**
 * Per call: `call.started` → greeting (turn 0); `speech.final` n → streamed reply as turn n;
 * `control.dtmf-input` → the digits as caller input; `control.interrupt` stops the turn;
 * `playback.interrupted` trims the history to what was heard; `playback.segment-played` and
 * `speech.started` drive the idle-caller clock; a backchannel that paused the agent
 * (`playback.paused`) is not answered. A re-claimed call (failover) first rebuilds its
 * conversation from the event log and carries on without greeting again.
 */
export function createLlmHandler(options: LlmHandlerOptions): CallPortHandler {
  return async (call) => {
    // Subscribe before the first await: the claim is answered then. Our own lifecycle
    // subscription: the stage runtime's watches only for call.ended.
    const lifecycle = call.events('lifecycle');
    const speech = call.events('speech');
    const control = call.events('control');
    const playback = call.events('playback');
    const conversation = new Conversation(call, options.llm, options);
    try {
      const { resume, dtmfThroughMs } = await recover(call, conversation, options);
      conversation.start();
      if (resume !== null) conversation.resumeAnswer(resume);
      await Promise.all([
        (async () => {
          for await (const { event } of lifecycle) if (event.type === 'call.started') conversation.greet();
        })(),
        (async () => {
          for await (const { event } of speech) {
            if (event.type === 'speech.started') conversation.speechStarted(event.utterance);
            else if (event.type === 'speech.final')
              await conversation.heardSpeech(event.utterance, event.text, event.backchannel === true);
            else if (event.type === 'speech.noise') conversation.heardNoise(event.utterance);
            else if (event.type === 'speech.tentative') conversation.tentative(event.utterance, event.text);
            else if (event.type === 'speech.resumed') conversation.speechResumed(event.utterance);
          }
        })(),
        (async () => {
          for await (const { event } of control) {
            if (event.type === 'control.interrupt') conversation.interrupt(event.turn);
            // A DTMF input already replayed from the log (it arrived while we read it) is not answered twice.
            else if (event.type === 'control.dtmf-input' && event.timelineMs > dtmfThroughMs)
              await conversation.heardDtmf(event.digits, event.reason === 'terminator');
          }
        })(),
        (async () => {
          for await (const { event } of playback) {
            if (event.type === 'playback.interrupted') conversation.heard(event.turn, event.heardSegments);
            else if (event.type === 'playback.segment-played') conversation.played(event.turn, event.segment);
            else if (event.type === 'playback.paused') conversation.paused(event.turn, event.utterance);
            else if (event.type === 'playback.resumed') conversation.resumed(event.turn);
          }
        })(),
      ]);
    } finally {
      await conversation.close();
    }
  };
}

interface Recovered {
  /** An utterance still to answer. */
  resume: number | null;
  /** Timeline of the last DTMF input replayed. */
  dtmfThroughMs: number;
}

/** On a re-claim, replays the event log into the conversation. */
async function recover(call: CallPort, conversation: Conversation, options: LlmHandlerOptions): Promise<Recovered> {
  const age = call.timelineMs();
  if (!call.reclaimed && age < options.recoveryMinAgeMs) return { resume: null, dtmfThroughMs: -Infinity };
  let events: AnyEvent[];
  try {
    events = await call.readEvents();
  } catch (err) {
    call.log.warn({ err }, 'could not read the call event log; carrying on without its history');
    return { resume: null, dtmfThroughMs: -Infinity };
  }
  const { unanswered: pending, greet } = restoreConversation(conversation, events);
  call.log.info(
    { events: events.length, ageMs: age, answering: pending?.utterance ?? null, greet },
    'conversation rebuilt from the event log',
  );
  if (greet) conversation.greet();
  else if (pending === null) conversation.resumeListening();
  const dtmfThroughMs = Math.max(
    -Infinity,
    ...events.filter((e) => e.type === 'control.dtmf-input').map((e) => e.timelineMs),
  );
  return { resume: pending?.utterance ?? null, dtmfThroughMs };
}
