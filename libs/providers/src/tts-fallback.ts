import type { TtsOptions, TtsProvider, TtsSession } from './tts.js';

/**
 * The TTS stage's fallback, part of its provider contract: any two providers, typically streaming
 * `primary` (Sarvam's socket) and `fallback` (Sarvam REST). Each call's session speaks through the
 * primary until it fails once, then through the fallback for the rest of the call. The text that
 * failed is spoken again by the fallback when the primary had yielded nothing of it; if the
 * primary failed midway, that text's error is thrown (the caller already heard part of it) and
 * later texts go to the fallback.
 */
export class FallbackTts implements TtsProvider {
  readonly name: string;
  constructor(
    private readonly primary: TtsProvider,
    private readonly fallback: TtsProvider,
    /** Told once per session when it switches to the fallback (for a log line and a metric). */
    private readonly onFallback?: (err: unknown) => void,
  ) {
    this.name = `${primary.name}+${fallback.name}`;
  }

  async openSession(options: TtsOptions): Promise<TtsSession> {
    return new FallbackTtsSession(
      await this.primary.openSession(options),
      () => this.fallback.openSession(options),
      this.onFallback,
    );
  }
}

class FallbackTtsSession implements TtsSession {
  private fallback: Promise<TtsSession> | null = null;

  constructor(
    private primary: TtsSession | null,
    private readonly openFallback: () => Promise<TtsSession>,
    private readonly onFallback: ((err: unknown) => void) | undefined,
  ) {}

  async *synthesize(text: string, signal?: AbortSignal): AsyncIterable<Buffer> {
    const primary = this.primary;
    if (primary) {
      let yielded = false;
      try {
        for await (const pcm of primary.synthesize(text, signal)) {
          yielded = true;
          yield pcm;
        }
        return;
      } catch (err) {
        if (signal?.aborted) return;
        this.switchToFallback(primary, err);
        if (yielded) throw err;
      }
    }
    if (signal?.aborted) return;
    yield* (await this.fallback!).synthesize(text, signal);
  }

  async close(): Promise<void> {
    await this.primary?.close();
    if (this.fallback) await (await this.fallback).close();
  }

  private switchToFallback(primary: TtsSession, err: unknown): void {
    this.primary = null;
    this.fallback ??= this.openFallback();
    this.onFallback?.(err);
    void primary.close();
  }
}
