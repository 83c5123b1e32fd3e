import type { AnyEvent, SpeechFinal } from '@audexly/protocol';
import type { Conversation } from './conversation.js';

/**
 * Rebuilds a conversation from the call's event log after a re-claim (the instance that held the
 * call vanished): caller inputs, what the agent said per turn and segment, what the caller heard
 * of interrupted turns, whether the greeting was given and whether the agent was already ending
 * the call. Tool calls and results are not in the log; the words they led to are. Says what is
 * still owed to the caller: the last final transcript when it has not been answered at all (the
 * old instance died before saying anything), and whether the call started but was never greeted.
 */
export function restoreConversation(
  conversation: Conversation,
  events: readonly AnyEvent[],
): { unanswered: SpeechFinal | null; greet: boolean } {
  const answeredTurns = new Set<number>();
  let unanswered: SpeechFinal | null = null;
  let started = false;
  /** Utterances that paused the agent: a backchannel among them was never a caller turn. */
  const pausedFor = new Set<number>();
  for (const event of events) {
    switch (event.type) {
      case 'call.started':
        started = true;
        break;
      case 'speech.started':
        conversation.restoreUtterance(event.utterance);
        break;
      case 'playback.paused':
        pausedFor.add(event.utterance);
        break;
      case 'speech.noise':
        conversation.restoreUtterance(event.utterance);
        break;
      case 'speech.final':
        if (event.text.trim() === '' || (event.backchannel && pausedFor.has(event.utterance))) {
          conversation.restoreUtterance(event.utterance);
          break;
        }
        conversation.restoreUser({ kind: 'speech', utterance: event.utterance, text: event.text });
        unanswered = event;
        break;
      case 'control.dtmf-input':
        conversation.restoreUser({ kind: 'dtmf', digits: event.digits, terminated: event.reason === 'terminator' });
        unanswered = null;
        break;
      case 'reply.segment':
        if (event.turn === 0) conversation.restoreGreeted();
        conversation.restoreSegment(event.turn, event.segment, event.text);
        answeredTurns.add(event.turn);
        break;
      case 'reply.done':
        answeredTurns.add(event.turn);
        break;
      case 'playback.interrupted':
        conversation.heard(event.turn, event.heardSegments);
        break;
      case 'control.hangup':
      case 'control.transfer':
        conversation.restoreClosing();
        break;
      default:
        break;
    }
  }
  return {
    unanswered: unanswered && !answeredTurns.has(unanswered.utterance) ? unanswered : null,
    greet: started && !answeredTurns.has(0),
  };
}
