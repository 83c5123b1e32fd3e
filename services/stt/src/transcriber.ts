import { pcmToInt16 } from '@audexly/audio';
import { ErrorCode, UpstreamError } from '@audexly/protocol';
import type { SttSession } from '@audexly/providers';
import type { CallPort } from '@audexly/stage';
import { BackchannelClassifier } from './backchannel.js';
import { dbfsOfSamples } from './frame-energy.js';
import type { SttChoice } from './stt-provider.js';
import { wordCount, type SttMetrics } from './stt-metrics.js';

/**
 * Audio after a probe no louder than this is taken to hold no word: an idle telephone line sits
 * near -60 to -70 dBFS, the soft end of a word (a trailing "s" the VAD let go of) at -35 to -47 in
 * the recorded fixtures. A line noisier than this always gets the second flush: slower, nothing lost.
 */
export const QUIET_AFTER_PROBE_DBFS = -45;

/** The loudest 20 ms window of PCM16LE, dBFS. */
function loudestWindowDbfs(pcm: Buffer, sampleRate: number): number {
  const samples = pcmToInt16(pcm);
  const window = Math.max(1, Math.round(sampleRate / 50));
  let loudest = -Infinity;
  for (let from = 0; from < samples.length; from += window)
    loudest = Math.max(loudest, dbfsOfSamples(samples.subarray(from, from + window)));
  return loudest;
}

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
  /** What `heard` got last (it is not told the same text twice). */
  told?: string;
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
  /** The provider's latest interim transcript of the audio since its last answer ('' for none). */
  private partial = '';
  /**
   * The provider sends interim transcripts: a pause is judged from them, without a flush. A flush
   * at the pause would end the provider's utterance where the VAD let go of the speech, which can
   * be inside the caller's last word (Silero releases a soft ending early); its tail would then be
   * transcribed apart from the rest, or with the next utterance.
   */
  private readonly interim: boolean;
  /** The interim transcript that was latest when the caller last spoke on after a pause. */
  private stalePartial = '';
  /** With interim transcripts: the latest pause's probe, told each newer one. */
  private listening: Probe | null = null;
  /**
   * The loudest 20 ms of the audio pushed since a probe's flush, dBFS (-Infinity when the last
   * flush was not a probe's: only audio after a probe is ever measured).
   */
  private loudestSinceProbe = -Infinity;
  private measuring = false;

  constructor(
    private readonly call: CallPort,
    private readonly choice: SttChoice,
    private readonly metrics: SttMetrics,
  ) {
    this.backchannels = new BackchannelClassifier(call.call.agent.turn.backchannelWords);
    this.interim = choice.provider?.interimTranscripts === true;
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
    if (!this.live || !this.session) return;
    this.session.push(pcm);
    if (this.measuring)
      this.loudestSinceProbe = Math.max(this.loudestSinceProbe, loudestWindowDbfs(pcm, this.call.call.sampleRate));
  }

  /**
   * A short pause inside the utterance: `heard` gets the utterance's text so far. Without interim
   * transcripts, STT flushes for it (the pieces join the utterance's `speech.final`). With them,
   * `heard` gets the latest interim transcript at once and each newer one while the caller is
   * silent, and nothing is flushed: the utterance stays one piece for the provider.
   */
  probe(utterance: number, heard: (textSoFar: string) => void): void {
    if (!this.live || !this.session) return;
    const probe: Probe = { utterance, heard };
    if (this.interim) {
      this.listening = probe;
      // An interim transcript is of the oldest audio not answered yet: this utterance's only when no flush is pending.
      if (this.pending.length === 0 && this.partial !== '') this.tell(probe, this.partial);
      return;
    }
    this.pending.push(probe);
    this.flushSession(this.session, true);
  }

  /**
   * The caller spoke on after a pause: that pause hears no more interim transcripts, and the
   * latest one is stale (it lacks what they say now): the next pause waits for a newer one.
   */
  resumed(): void {
    this.listening = null;
    this.stalePartial = this.partial;
    this.partial = '';
  }

  /**
   * The utterance ended: ask for its transcript. `afterProbe`: it ended in a pause that was probed,
   * with no speech since. When the audio since the probe is quiet (nothing louder than
   * {@link QUIET_AFTER_PROBE_DBFS}), the probe already asked for all of its words: no second flush
   * (which would cost the provider's latency again); the final is published from the probe's
   * answer. When it is not (the VAD let go of a soft ending early, and the probe cut the last word),
   * it is flushed as the utterance's last piece, so no word of it goes with the next utterance.
   */
  end(flushed: FlushedUtterance, afterProbe = false): void {
    this.listening = null;
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
    const quietSinceProbe = this.loudestSinceProbe <= QUIET_AFTER_PROBE_DBFS;
    this.measuring = false;
    if (afterProbe && !this.interim && quietSinceProbe) {
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
    this.flushSession(this.session, false);
  }

  /** Flushes; after a probe's flush the audio that follows is measured (see {@link end}). */
  private flushSession(session: SttSession, probe: boolean): void {
    this.loudestSinceProbe = -Infinity;
    this.measuring = probe;
    session.flush();
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
      if (event.type === 'partial') {
        this.onPartial(event.text);
        continue;
      }
      this.partial = '';
      this.stalePartial = '';
      const next = event.type === 'final' ? this.pending.shift() : undefined;
      if (event.type === 'unplaced' || !next) {
        this.carry(event.text);
        continue;
      }
      if ('heard' in next) {
        const pieces = this.pieces.get(next.utterance) ?? [];
        if (event.text.trim() !== '') pieces.push(event.text.trim());
        this.pieces.set(next.utterance, pieces);
        this.tell(next, '');
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

  /** An interim transcript: the pause being listened to hears it, if it is of this utterance's audio. */
  private onPartial(text: string): void {
    // The same text again after the caller spoke on says nothing about what they said since.
    if (text === this.stalePartial) return;
    this.stalePartial = '';
    this.partial = text;
    if (this.listening && this.pending.length === 0) this.tell(this.listening, text);
  }

  /** Gives a probe the utterance's text so far (its answered pieces, then `tail`), unless it has it already. */
  private tell(probe: Probe, tail: string): void {
    const pieces = this.pieces.get(probe.utterance) ?? [];
    const text = [this.carried, ...pieces, tail.trim()].filter((t) => t !== '').join(' ');
    if (probe.told === text) return;
    probe.told = text;
    probe.heard(text);
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
