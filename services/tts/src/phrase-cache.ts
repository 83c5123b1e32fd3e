import { createStreamingResampler } from '@audexly/audio';
import type { AgentConfig, SampleRate } from '@audexly/protocol';
import type { TtsOptions, TtsProvider, TtsSession } from '@audexly/providers';
import type { Logger } from '@audexly/telemetry';

/** The fixed texts of an agent worth synthesising ahead: its greeting and phrases. */
export function agentPhrases(agent: AgentConfig): string[] {
  const { greeting, phrases } = agent;
  const texts = [greeting, phrases.apology, phrases.goodbye, phrases.idlePrompt, phrases.transfer, phrases.noCapacity]
    .map((t) => t.trim())
    .filter((t) => t !== '');
  return [...new Set(texts)];
}

/** The voice of a call: what, besides the text, decides the audio. */
export type Voice = Omit<TtsOptions, 'sampleRate'>;

export function voiceOf(agent: AgentConfig): Voice {
  return { model: agent.tts.model, speaker: agent.tts.speaker, language: agent.tts.language, pace: agent.tts.pace };
}

/**
 * One phrase's audio at a call rate, filled while it is synthesised: a reader that comes early
 * streams the chunks as they arrive, a later one gets them all at once.
 */
export class CachedAudio {
  private readonly chunks: Buffer[] = [];
  private state: 'filling' | 'ready' | 'failed' = 'filling';
  private waiters: Array<() => void> = [];

  get failed(): boolean {
    return this.state === 'failed';
  }

  append(pcm: Buffer): void {
    if (pcm.byteLength === 0) return;
    this.chunks.push(pcm);
    this.wake();
  }

  finish(): void {
    this.state = 'ready';
    this.wake();
  }

  fail(): void {
    this.state = 'failed';
    this.wake();
  }

  /**
   * The audio, as it becomes available. Ends early when `signal` aborts. Returns false when the
   * synthesis failed before any audio (the caller then synthesises the text itself).
   */
  async *play(signal: AbortSignal): AsyncGenerator<Buffer, boolean> {
    let i = 0;
    for (;;) {
      if (signal.aborted) return true;
      if (i < this.chunks.length) {
        yield this.chunks[i++]!;
        continue;
      }
      if (this.state === 'ready') return true;
      if (this.state === 'failed') return i > 0;
      await new Promise<void>((resolve) => {
        const wake = () => {
          signal.removeEventListener('abort', wake);
          resolve();
        };
        this.waiters.push(wake);
        signal.addEventListener('abort', wake, { once: true });
      });
    }
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}

/**
 * Synthesises `text` on `session` into `entry` at `rates.callRate` (the provider speaking
 * `rates.providerRate`): finished when the provider is done, failed (and the error rethrown) when it
 * fails, failed quietly when `signal` aborts first or the provider ended without any audio.
 */
export async function synthesizeInto(
  entry: CachedAudio,
  session: TtsSession,
  text: string,
  rates: { providerRate: SampleRate; callRate: SampleRate },
  signal?: AbortSignal,
): Promise<void> {
  const { providerRate, callRate } = rates;
  const resampler = providerRate === callRate ? null : await createStreamingResampler(providerRate, callRate);
  let received = false;
  try {
    for await (const pcm of session.synthesize(text, signal)) {
      received ||= pcm.byteLength > 0;
      entry.append(resampler ? resampler.push(pcm) : pcm);
    }
    // No audio at all (aborted, or the session closed under it) is no phrase to play.
    if (signal?.aborted || !received) {
      entry.fail();
      return;
    }
    if (resampler) entry.append(resampler.end());
    entry.finish();
  } catch (err) {
    entry.fail();
    if (!signal?.aborted) throw err;
  } finally {
    resampler?.destroy();
  }
}

/**
 * The greeting cache: each agent's greeting and phrases synthesised once per (agent, text, voice,
 * call rate) and kept in memory, so a call's first words need no TTS round trip. Least recently
 * used entries go when the cache is full.
 */
export class PhraseCache {
  private readonly entries = new Map<string, CachedAudio>();

  constructor(private readonly maxEntries: number) {}

  static key(agentId: string, text: string, voice: Voice, rate: SampleRate): string {
    return JSON.stringify([agentId, text, voice.model, voice.speaker, voice.language, voice.pace, rate]);
  }

  /** The audio of `text` for this agent, voice and rate, if cached (or being cached). */
  get(agentId: string, text: string, voice: Voice, rate: SampleRate): CachedAudio | undefined {
    const key = PhraseCache.key(agentId, text.trim(), voice, rate);
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.failed) {
      this.entries.delete(key);
      return undefined;
    }
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry;
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * Synthesises the agent's phrases that are not cached yet, at `callRate` (asking the provider
   * for `providerRate`), one after another, greeting first, on a session of their own. Never throws.
   */
  async warm(
    agent: AgentConfig,
    callRate: SampleRate,
    providerRate: SampleRate,
    provider: TtsProvider,
    log: Logger,
  ): Promise<void> {
    const voice = voiceOf(agent);
    const missing: Array<{ text: string; entry: CachedAudio }> = [];
    for (const text of agentPhrases(agent)) {
      const key = PhraseCache.key(agent.id, text, voice, callRate);
      if (this.entries.has(key) && !this.entries.get(key)!.failed) continue;
      const entry = new CachedAudio();
      this.put(key, entry);
      missing.push({ text, entry });
    }
    if (missing.length === 0) return;
    const started = Date.now();
    let session;
    try {
      session = await provider.openSession({ ...voice, sampleRate: providerRate });
    } catch (err) {
      log.warn({ err }, 'could not open a TTS session to warm the greeting cache');
      for (const { entry } of missing) entry.fail();
      return;
    }
    try {
      for (const { text, entry } of missing) {
        try {
          await synthesizeInto(entry, session, text, { providerRate, callRate });
        } catch (err) {
          log.warn({ err, agentId: agent.id }, 'could not synthesise a phrase for the greeting cache');
        }
      }
      log.info({ agentId: agent.id, phrases: missing.length, ms: Date.now() - started }, 'greeting cache warmed');
    } finally {
      await session.close();
    }
  }

  private put(key: string, entry: CachedAudio): void {
    this.entries.set(key, entry);
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }
}
