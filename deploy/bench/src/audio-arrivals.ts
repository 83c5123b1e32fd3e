/**
 * Watches `call.*.<kind>` audio on the bus from the bench and keeps, per call, when each message
 * arrived (epoch ms, sub-ms) with its headers: when the gateway published a caller frame, or when
 * TTS published agent audio.
 */
import { connectBus, type Bus } from '@audexly/bus';
import { AudioHeader, parseCallSubject } from '@audexly/protocol';
import { createLogger } from '@audexly/telemetry';

export interface AudioArrival {
  /** Epoch ms (performance.timeOrigin + performance.now()). */
  at: number;
  /** `Audexly-Timeline-Ms` (audio.in), else NaN. */
  timelineMs: number;
  /** `Audexly-Turn` (audio.out), else NaN. */
  turn: number;
  bytes: number;
  last: boolean;
  /** The payload (kept for audio.in only). */
  pcm: Buffer | null;
}

export interface AudioArrivals {
  of(callId: string): AudioArrival[];
  stop(): Promise<void>;
}

export async function watchAudio(kind: 'audio.in' | 'audio.out', natsUrl: string): Promise<AudioArrivals> {
  const bus: Bus = await connectBus({
    servers: natsUrl,
    name: `bench-${kind}`,
    log: createLogger({ service: 'bench', level: 'warn' }),
  });
  const byCall = new Map<string, AudioArrival[]>();
  const sub = bus.subscribeAudio(`call.*.${kind}`);
  const done = (async () => {
    for await (const m of sub) {
      const at = performance.timeOrigin + performance.now();
      const callId = parseCallSubject(m.subject)?.callId;
      if (!callId) continue;
      let list = byCall.get(callId);
      if (!list) byCall.set(callId, (list = []));
      list.push({
        at,
        timelineMs: m.num(AudioHeader.timelineMs, Number.NaN),
        turn: m.num(AudioHeader.turn, Number.NaN),
        bytes: m.data.byteLength,
        last: m.header(AudioHeader.last) === '1',
        pcm: kind === 'audio.in' ? Buffer.from(m.data) : null,
      });
    }
  })();
  await bus.flush();
  return {
    of: (callId) => byCall.get(callId) ?? [],
    stop: async () => {
      sub.unsubscribe();
      await done;
      await bus.drain();
    },
  };
}
