import type { ReplySegment, SampleRate } from '@audexly/protocol';
import type { CallPort, CallPortHandler } from '@audexly/stage';
import type { PhraseCache } from './phrase-cache.js';
import { owedSegments } from './owed-segments.js';
import { Speaker, type SpeakerSession } from './speaker.js';
import type { TtsChoice } from './tts-provider.js';
import type { TtsMetrics } from './tts-metrics.js';

export interface TtsHandlerOptions {
  tts: TtsChoice;
  /** Rate to ask the provider for; the call's rate when unset. */
  providerSampleRate?: SampleRate;
  /** The greeting cache (null: off). Warmed for the call's agent at claim time. */
  cache: PhraseCache | null;
  metrics?: TtsMetrics;
}

/**
 * Per call: one TTS session; `reply.segment` → audio on `audio.out` (the agent's greeting and
 * phrases straight from the greeting cache, a speculative answer's first sentence from what
 * `reply.prepare` synthesised ahead); `control.interrupt` stops a turn.
 */
export function createTtsHandler(options: TtsHandlerOptions): CallPortHandler {
  return async (call) => {
    const replies = call.events('reply');
    const control = call.events('control');
    const speaker = new Speaker(call, options.cache, options.metrics);
    const owed = call.reclaimed ? recoverOwed(call) : Promise.resolve([]);
    const warming = warmCache(call, options);
    const session = await openSession(call, options);
    try {
      await Promise.all([
        (async () => {
          // A re-claimed call first speaks what the previous instance left unsaid; live segments
          // wait in the subscription meanwhile, and one already recovered is not spoken twice.
          const recovered = new Set<string>();
          for (const segment of await owed) {
            recovered.add(`${segment.turn}:${segment.segment}`);
            speaker.enqueue(segment);
          }
          for await (const { event } of replies) {
            if (event.type === 'reply.segment' && !recovered.has(`${event.turn}:${event.segment}`))
              speaker.enqueue(event);
            else if (event.type === 'reply.prepare') speaker.prepare(event.text, event.utterance);
          }
          speaker.end();
        })(),
        (async () => {
          for await (const { event } of control) if (event.type === 'control.interrupt') speaker.interrupt(event.turn);
        })(),
        speaker.run(session),
        warming,
      ]);
    } finally {
      await session.session?.close();
    }
  };
}

/** On a re-claim: the latest turn's segments the caller has not heard yet, from the event log. */
async function recoverOwed(call: CallPort): Promise<ReplySegment[]> {
  try {
    const segments = owedSegments(await call.readEvents());
    call.log.info(
      { owed: segments.map((s) => `t${s.turn}s${s.segment}`) },
      're-claimed: speaking what the previous instance left unsaid',
    );
    return segments;
  } catch (err) {
    call.log.warn({ err }, 'could not read the event log; carrying on with new segments only');
    return [];
  }
}

/** Starts synthesising the agent's greeting and phrases that are not cached yet. */
function warmCache(call: CallPort, options: TtsHandlerOptions): Promise<void> {
  if (!options.cache || options.tts.provider === null) return Promise.resolve();
  const rate = call.call.sampleRate;
  return options.cache.warm(call.call.agent, rate, options.providerSampleRate ?? rate, options.tts.provider, call.log);
}

async function openSession(call: CallPort, options: TtsHandlerOptions): Promise<SpeakerSession> {
  if (options.tts.provider === null) return { session: null, reason: options.tts.reason };
  const { agent, sampleRate: callRate } = call.call;
  const sampleRate = options.providerSampleRate ?? callRate;
  try {
    const session = await options.tts.provider.openSession({
      sampleRate,
      model: agent.tts.model,
      speaker: agent.tts.speaker,
      language: agent.tts.language,
      pace: agent.tts.pace,
    });
    return { session, sampleRate };
  } catch (err) {
    call.log.warn({ err }, 'TTS session did not open');
    return { session: null, reason: 'could not open a text-to-speech session' };
  }
}
