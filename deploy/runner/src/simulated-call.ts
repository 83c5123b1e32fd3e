import { simulateCall, type SimulatedCall } from '@audexly/simulator';
import { delay, callRecordSchema, type CallRecord } from '@audexly/protocol';

export interface CallReport {
  call: SimulatedCall;
  /** The call record as the API serves it, once the recorder wrote it. */
  record: CallRecord | undefined;
  apiUrl: string;
  violations: string[];
}

/** Places one simulated Exotel call at the local gateway and fetches its call record from the api. */
export async function runSimulatedCall(env: NodeJS.ProcessEnv, audio: string[]): Promise<CallReport> {
  const gateway = `ws://127.0.0.1:${env.GATEWAY_PORT ?? 8000}/api/v1/telephony/exotel/stream`;
  const apiUrl = `http://127.0.0.1:${env.API_PORT ?? 3010}`;
  const call = await simulateCall({ url: gateway, audio, sampleRate: 8000 });
  const record = await fetchRecord(apiUrl, call.callId, env.AUDEXLY_API_TOKEN);
  return { call, record, apiUrl, violations: call.violations };
}

async function fetchRecord(apiUrl: string, callId: string, token: string | undefined): Promise<CallRecord | undefined> {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const res = await fetch(`${apiUrl}/api/v1/calls/${callId}`, { headers });
    if (res.ok) return callRecordSchema.parse(await res.json());
    await delay(300);
  }
  return undefined;
}
