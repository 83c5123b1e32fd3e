/**
 * `call.ended` must always go out: it is how every stage learns the call is over (and frees it),
 * and what the recorder writes the record from. Counts in it come from what Exotel sent; should
 * the full event ever fail (a value out of its schema, whatever the cause), an error event says so
 * and a minimal `call.ended` — reason, detail, duration — is published instead.
 */
import type { CallEnded } from '@audexly/protocol';
import type { Logger } from '@audexly/telemetry';

/** `call.ended` without the fields the publisher fills in (`v`, `callId`, `timelineMs`). */
export type CallEnding = Omit<CallEnded, 'v' | 'callId' | 'timelineMs'>;

export interface CallEndedPort {
  /** Validates and publishes the event; throws when it cannot. */
  publish(event: CallEnding): void;
  /** Publishes an error event for the call (never throws). */
  reportError(message: string): void;
  log: Logger;
}

/** Publishes `call.ended`, or a minimal one when the full one fails; false only if neither went out. */
export function publishCallEnded(port: CallEndedPort, ended: CallEnding): boolean {
  try {
    port.publish(ended);
    return true;
  } catch (err) {
    port.log.error({ err }, 'call.ended could not be published; publishing a minimal one');
  }
  port.reportError('call.ended could not be published as it was; a minimal one was published without frame counts');
  const durationMs = Number.isFinite(ended.durationMs) ? Math.max(0, Math.round(ended.durationMs)) : 0;
  try {
    port.publish({ type: 'call.ended', reason: ended.reason, detail: ended.detail.slice(0, 200), durationMs });
    return true;
  } catch (err) {
    port.log.error({ err }, 'the minimal call.ended could not be published either');
    return false;
  }
}
