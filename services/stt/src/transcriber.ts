import { AudexlyError, ErrorCode } from '@audexly/protocol';
import type { SttSession } from '@audexly/providers';
import type { StageCall } from '@audexly/stage';
import type { SttChoice } from './stt-provider.js';

/** An utterance whose audio was flushed and whose transcript has not come back yet. */
export interface FlushedUtterance {
  utterance: number;
  speechStartMs: number;
  speechEndMs: number;
}

/**
 * One call's STT session: audio of each utterance goes in, `flush()` at its end, and each `final`
 * that comes back becomes `speech.final`. Provider failures become error events and the call goes
 * on: the next utterance opens a new session.
 */
export class Transcriber {
  private session: SttSession | null = null;
  private readonly pending: FlushedUtterance[] = [];
  private readonly readers: Promise<void>[] = [];
  /** Whether the utterance being spoken reaches a session. */
  private live = false;
  /** The session died while the utterance was being spoken. */
  private lost = false;

  constructor(
    private readonly call: StageCall,
    private readonly choice: SttChoice,
  ) {}

  /** Opens the session ahead of the first utterance; a failure here is retried at the utterance. */
  async warmUp(): Promise<void> {
    if (this.choice.provider === null) return;
    try {
      await this.open();
    } catch (err) {
      this.call.log.warn({ err }, 'STT session did not open; will retry at the first utterance');
    }
  }

  /** An utterance starts: make sure a session is there, or report why not. */
  async begin(utterance: number): Promise<void> {
    this.live = false;
    this.lost = false;
    if (this.choice.provider === null) {
      this.call.error(ErrorCode.sttUpstream, this.choice.reason, { retryable: false, turn: utterance });
      return;
    }
    try {
      if (!this.session) await this.open();
      this.live = true;
    } catch (err) {
      const e = err instanceof AudexlyError ? err : null;
      this.call.error(e?.code ?? ErrorCode.sttUpstream, 'could not open an STT session', { retryable: e?.retryable ?? true, turn: utterance, err });
    }
  }

  push(pcm: Buffer): void {
    if (this.live) this.session?.push(pcm);
  }

  /** The utterance ended: ask for its transcript. */
  end(flushed: FlushedUtterance): void {
    if (this.lost) {
      this.lost = false;
      this.call.error(ErrorCode.sttUpstream, 'the STT session was lost during the utterance', { retryable: true, turn: flushed.utterance });
      return;
    }
    if (!this.live || !this.session) return;
    this.live = false;
    this.pending.push(flushed);
    this.session.flush();
  }

  async close(): Promise<void> {
    const session = this.session;
    this.session = null;
    await session?.close();
    await Promise.all(this.readers);
  }

  private async open(): Promise<void> {
    if (this.choice.provider === null) return;
    const { sampleRate, agent } = this.call.call;
    const session = await this.choice.provider.openSession({ sampleRate, model: agent.stt.model, language: agent.stt.language, signal: this.call.signal });
    this.session = session;
    this.readers.push(this.read(session));
  }

  private async read(session: SttSession): Promise<void> {
    const { log } = this.call;
    for await (const event of session) {
      if (event.type === 'error') {
        const failed = this.pending.splice(0);
        const { code, retryable, message } = event.error;
        if (failed.length === 0) this.call.error(code, `speech-to-text failed: ${message}`, { retryable, err: event.error });
        for (const { utterance } of failed) this.call.error(code, `speech-to-text failed: ${message}`, { retryable, turn: utterance, err: event.error });
        break;
      }
      const flushed = this.pending.shift();
      if (!flushed) {
        log.warn('STT returned a transcript nobody asked for');
        continue;
      }
      const text = event.text.trim();
      if (text === '') {
        log.debug({ utterance: flushed.utterance, audioSeconds: event.audioSeconds }, 'empty transcript, nothing to publish');
        continue;
      }
      log.info({ utterance: flushed.utterance, providerMs: event.providerMs, pii: { text } }, 'final transcript');
      this.call.publish('speech', {
        type: 'speech.final',
        utterance: flushed.utterance,
        text,
        language: event.language,
        speechStartMs: flushed.speechStartMs,
        speechEndMs: flushed.speechEndMs,
        providerMs: Math.max(0, event.providerMs),
        audioSeconds: Math.max(0, event.audioSeconds),
      });
    }
    // The session is over (failed or closed): the next utterance opens another one.
    if (this.session === session) {
      this.session = null;
      if (this.live) this.lost = true;
      this.live = false;
    }
  }
}
