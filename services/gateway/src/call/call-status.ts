/**
 * The gateway's end of a call is authoritative. While a session holds a call — from an accepted
 * `start` until `call.ended` is out — it answers `svc.gateway.call.<callId>`: the stages ask there,
 * periodically, whether a gateway still holds each call they hold. When the session ends (or the
 * process dies) nobody answers, the stages get "no responders", and they end the call on their
 * side instead of holding it until their maximum call length.
 */
import { PROTOCOL_VERSION, subjects, type CallStatusReply } from '@audexly/protocol';
import type { Bus } from '@audexly/bus';
import type { Logger } from '@audexly/telemetry';

const encoder = new TextEncoder();

/** Answers the stages for one call; returns the function that stops answering (at the call's end). */
export function answerCallStatus(
  bus: Bus,
  callId: string,
  state: () => CallStatusReply['state'],
  log: Logger,
): () => void {
  const sub = bus.nc.subscribe(subjects.gatewayCall(callId), {
    callback: (err, msg) => {
      if (err) {
        log.warn({ err }, 'call status subscription failed');
        return;
      }
      const reply: CallStatusReply = { type: 'gateway.call-status', v: PROTOCOL_VERSION, callId, state: state() };
      msg.respond(encoder.encode(JSON.stringify(reply)));
    },
  });
  return () => {
    if (!sub.isClosed()) sub.unsubscribe();
  };
}
