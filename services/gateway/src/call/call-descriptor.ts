/** The call descriptor: what every stage is told about the call when it is claimed. */
import { callDescriptorSchema, type AgentConfig, type CallDescriptor, type SampleRate } from '@audexly/protocol';
import type { StartFrame } from '../exotel/protocol.js';

/** Custom parameter names that carry credentials (the applet URL's `?token=` arrives as one). */
const CREDENTIAL_PARAMETER = /^(token|access[_-]?token|auth|authorization|secret|password|key|api[_-]?key)$/i;

/**
 * The call's custom parameters without credentials: the descriptor travels to every stage and into
 * the event log and the call record, and a stream token must not.
 */
export function withoutCredentials(parameters: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(parameters).filter(([name]) => !CREDENTIAL_PARAMETER.test(name)));
}

export function describeCall(
  frame: StartFrame,
  call: { callId: string; sampleRate: SampleRate; startedAt: number; direction: 'inbound' | 'outbound' },
  agent: AgentConfig,
): CallDescriptor {
  return callDescriptorSchema.parse({
    callId: call.callId,
    callSid: frame.callSid,
    streamSid: frame.streamSid,
    accountSid: frame.accountSid,
    from: frame.from,
    to: frame.to,
    direction: call.direction,
    sampleRate: call.sampleRate,
    customParameters: withoutCredentials(frame.customParameters),
    startedAt: call.startedAt,
    // The call's rate wins over the agent's (Exotel decides it).
    agent: { ...agent, sampleRate: call.sampleRate },
  });
}
