import { ErrorCode, UpstreamError } from '@audexly/protocol';
import type { SttSession } from '@audexly/providers';
import type { CallPort } from '@audexly/stage';
import { BackchannelClassifier } from './backchannel.js';
import type { SttChoice } from './stt-provider.js';
import { wordCount, type SttMetrics } from './stt-metrics.js';

/** An utterance whose audio was flushed and whose transcript has not come back yet. */
export interface FlushedUtterance {
  utterance: number;
  speechStartMs: number;
  speechEndMs: number;
}

/** A flush at a pause inside an utterance: its text is a piece of the utterance's final. */
interface Probe {
  utterance: number;
  /** Gets the transcript of the utterance so far. */
  heard: (textSoFar: string) => void;
  /** The utterance ended in this probe's pause, no speech since: its final is the probe's answer. */
  ends?: FlushedUtterance;
}

/** What the provider said about the audio of a final, beside its text. */
interface FinalMeta {
  language: string | null;
  providerMs: number;
  audioSeconds: number;
}

/**
 * One call's STT session: audio of each utterance goes in, `flush()` at its end, and each `final`
 * that comes back becomes `speech.final`. Provider failures become error events and the call goes
 * on: the next utterance opens a new session. A transcript of acknowledgment words only is marked
 * `backchannel`; one with no words becomes `speech.noise`. Text the provider returned after its utterance was
 * published (`unplaced`) is never dropped: it is logged, counted and carried into the next
 * utterance's transcript.
 */
export class Transcriber {
  private session: SttSession | null = null;
  private readonly pending: (FlushedUtterance | Probe)[] = [];
  /** Per utterance: the text of its probes so far. */
  private readonly pieces = new Map<number, string[]>();
  private readonly readers: Promise<void>[] = [];
  /** Whether the utterance being spoken reaches a session. */
  private live = false;
  /** The session died while the utterance was being spoken. */
  private lost = false;
  /** Late text waiting for the next utterance. */
  private carried = '';
  private lastPublished = 0;
  private readonly backchannels: BackchannelClassifier;
  /** The latest answered probe: an utterance that ends in its pause is published from it. */
  private answeredProbe: (FinalMeta & { utterance: number }) | null = null;

  constructor(
    private readonly call: CallPort,
    private readonly choice: SttChoice,
    private readonly metrics: SttMetrics,
  ) {
    this.backchannels = new BackchannelClassifier(call.call.agent.turn.backchannelWords);
  }

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
      const e = UpstreamError.from(err, ErrorCode.sttUpstream);
      this.call.error(e.code, 'could not open an STT session', { retryable: e.retryable, turn: utterance, err });
    }
  }

  push(pcm: Buffer): void {
    if (this.live) this.session?.push(pcm);
  }

  /**
   * A short pause inside the utterance: ask for the transcript of the audio so far. `heard` gets
   * the utterance's text so far; the pieces join the utterance's `speech.final`.
   */
  probe(utterance: number, heard: (textSoFar: string) => void): void {
    if (!this.live || !this.session) return;
    this.pending.push({ utterance, heard });
    this.session.flush();
  }

  /**
   * The utterance ended: ask for its transcript. `afterProbe`: it ended in a pause that was probed,
   * with no speech since, so the probe already asked for all of its words: no second flush (which
   * would cost the provider's latency again); the final is published from the probe's answer.
   */
  end(flushed: FlushedUtterance, afterProbe = false): void {
    if (this.lost) {
      this.lost = false;
      this.call.error(ErrorCode.sttUpstream, 'the STT session was lost during the utterance', {
        retryable: true,
        turn: flushed.utterance,
      });
      return;
    }
    if (!this.live || !this.session) return;
    this.live = false;
    if (afterProbe) {
      const last = this.pending.at(-1);
      if (last && 'heard' in last && last.utterance === flushed.utterance) {
        last.ends = flushed;
        return;
      }
      const answered = this.answeredProbe;
      if (this.pending.length === 0 && answered?.utterance === flushed.utterance) {
        this.publishFinal(flushed, '', answered);
        return;
      }
    }
    this.pending.push(flushed);
    this.session.flush();
  }

  async close(): Promise<void> {
    const session = this.session;
    this.session = null;
    await session?.close();
    await Promise.all(this.readers);
    if (this.carried !== '') {
      const words = wordCount(this.carried);
      this.metrics.unplacedWords.inc({ outcome: 'call-ended' }, words);
      this.call.log.warn(
        { afterUtterance: this.lastPublished, words, pii: { text: this.carried } },
        'late transcript had no utterance left to join before the call ended',
      );
      this.carried = '';
    }
  }

  private async open(): Promise<void> {
    if (this.choice.provider === null) return;
    const { sampleRate, agent } = this.call.call;
    const session = await this.choice.provider.openSession({
      sampleRate,
      model: agent.stt.model,
      language: agent.stt.language,
      signal: this.call.signal,
    });
    this.session = session;
    this.readers.push(this.read(session));
  }

  private async read(session: SttSession): Promise<void> {
    for await (const event of session) {
      if (event.type === 'error') {
        const failed = this.pending.splice(0).filter((p) => !('heard' in p));
        this.pieces.clear();
        const { code, retryable, message } = event.error;
        if (failed.length === 0)
          this.call.error(code, `speech-to-text failed: ${message}`, { retryable, err: event.error });
        for (const { utterance } of failed)
          this.call.error(code, `speech-to-text failed: ${message}`, { retryable, turn: utterance, err: event.error });
        break;
      }
      const next = event.type === 'final' ? this.pending.shift() : undefined;
      if (event.type === 'unplaced' || !next) {
        this.carry(event.text);
        continue;
      }
      if ('heard' in next) {
        const pieces = this.pieces.get(next.utterance) ?? [];
        if (event.text.trim() !== '') pieces.push(event.text.trim());
        this.pieces.set(next.utterance, pieces);
        next.heard([this.carried, ...pieces].filter((t) => t !== '').join(' '));
        const { language, providerMs, audioSeconds } = event;
        this.answeredProbe = { utterance: next.utterance, language, providerMs, audioSeconds };
        if (next.ends) this.publishFinal(next.ends, '', event);
        continue;
      }
      this.publishFinal(next, event.text, event);
    }
    // The session is over (failed or closed): the next utterance opens another one.
    if (this.session === session) {
      this.session = null;
      if (this.live) this.lost = true;
      this.live = false;
    }
  }

  /** Publishes an utterance's `speech.final` (or `speech.noise`): its probes' pieces, then `lastText`. */
  private publishFinal(flushed: FlushedUtterance, lastText: string, meta: FinalMeta): void {
    const { log } = this.call;
    this.answeredProbe = null;
    const pieces = this.pieces.get(flushed.utterance) ?? [];
    this.pieces.delete(flushed.utterance);
    const text = [this.carried, ...pieces, lastText.trim()].filter((t) => t !== '').join(' ');
    this.carried = '';
    const kind = this.backchannels.classify(text);
    if (kind === 'noise') {
      log.debug({ utterance: flushed.utterance, audioSeconds: meta.audioSeconds }, 'no words: speech.noise');
      this.call.publish('speech', {
        type: 'speech.noise',
        utterance: flushed.utterance,
        speechStartMs: flushed.speechStartMs,
        speechEndMs: flushed.speechEndMs,
        audioSeconds: Math.max(0, meta.audioSeconds),
      });
      return;
    }
    this.metrics.words.inc(wordCount(text));
    this.lastPublished = flushed.utterance;
    log.info({ utterance: flushed.utterance, providerMs: meta.providerMs, pii: { text } }, 'final transcript');
    this.call.publish('speech', {
      type: 'speech.final',
      utterance: flushed.utterance,
      text,
      language: meta.language,
      speechStartMs: flushed.speechStartMs,
      speechEndMs: flushed.speechEndMs,
      providerMs: Math.max(0, meta.providerMs),
      audioSeconds: Math.max(0, meta.audioSeconds),
      backchannel: kind === 'backchannel',
    });
  }

  /** Text that arrived after its utterance was published: counted, logged, kept for the next one. */
  private carry(text: string): void {
    const trimmed = text.trim();
    if (trimmed === '') return;
    const words = wordCount(trimmed);
    this.metrics.unplacedWords.inc({ outcome: 'merged' }, words);
    this.call.log.warn(
      { afterUtterance: this.lastPublished, words, pii: { text: trimmed } },
      'transcript arrived after its utterance was published; it joins the next utterance',
    );
    this.carried = [this.carried, trimmed].filter((t) => t !== '').join(' ');
  }
}
