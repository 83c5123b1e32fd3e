/**
 * The agent's audio going out to Exotel, and what the caller hears, reported: each chunk sent is
 * also published on `audio.sent`; a turn's first chunk publishes `playback.started` (with the TTS
 * provider time) and feeds the voice-to-voice metric; each mark echo publishes
 * `playback.segment-played`.
 */
import { AudioHeader, subjects, type SampleRate } from '@audexly/protocol';
import type { CallContext } from './call-context.js';
import { markMessage, mediaMessage, type MarkFrame } from './exotel/protocol.js';
import { AgentPlayout, type SegmentRef } from './playout.js';
import { APOLOGY_TURN, type TurnLedger } from './turn-ledger.js';

export class AgentPlayback {
  private audioSentSeq = 0;
  private audioSentSubjectCache: string | undefined;

  constructor(
    private readonly ctx: CallContext,
    private readonly turns: TurnLedger,
  ) {}

  /** The call's playout, sending through this reporter. */
  createPlayout(sampleRate: SampleRate): AgentPlayout {
    const s = this.ctx.deps.settings;
    return new AgentPlayout({
      sampleRate,
      chunk: { targetMs: s.chunkMs, minMs: s.chunkMinMs, maxMs: s.chunkMaxMs },
      leadMs: s.leadMs,
      clock: this.ctx.clock,
      sink: {
        media: (pcm, ref, info) => this.sendMedia(pcm, ref, info.playAt, info.lateByMs),
        mark: (name) => this.ctx.send(markMessage(this.ctx.streamSid, name)),
      },
    });
  }

  /** Exotel echoed a mark: the caller heard that segment in full. */
  markEchoed(frame: MarkFrame): void {
    const info = this.ctx.playout?.markEchoed(frame.name);
    if (!info) {
      this.ctx.log.debug({ mark: frame.name }, 'ignored an echo of a mark we are not waiting for');
      return;
    }
    this.ctx.publish('playback', { type: 'playback.segment-played', turn: info.turn, segment: info.segment, audioMs: info.audioMs });
  }

  private get audioSentSubject(): string {
    return (this.audioSentSubjectCache ??= subjects.audioSent(this.ctx.callId!));
  }

  private sendMedia(pcm: Buffer, ref: SegmentRef, playAt: number, lateByMs: number): void {
    const { ctx, turns } = this;
    ctx.send(mediaMessage(ctx.streamSid, pcm));
    ctx.deps.metrics.observeChunk(lateByMs);
    if (ref.turn === APOLOGY_TURN) return;
    const call = ctx.call;
    if (!call) return;
    ctx.publishAudio(this.audioSentSubject, pcm, {
      [AudioHeader.turn]: ref.turn,
      [AudioHeader.segment]: ref.segment,
      [AudioHeader.seq]: this.audioSentSeq++,
      [AudioHeader.timelineMs]: Math.round((playAt - ctx.t0) * 1000) / 1000,
      [AudioHeader.sampleRate]: call.sampleRate,
    });
    if (!turns.started.has(ref.turn)) {
      turns.started.add(ref.turn);
      const now = ctx.timelineMs();
      const ttsProviderMs = turns.ttsProviderMs.get(ref.turn);
      ctx.publish('playback', { type: 'playback.started', turn: ref.turn, firstAudioInMs: turns.firstAudioIn.get(ref.turn) ?? now, ...(ttsProviderMs !== undefined ? { ttsProviderMs } : {}) });
      const speechEnd = turns.speechEndMs.get(ref.turn);
      if (ref.turn > 0 && speechEnd !== undefined && now >= speechEnd) ctx.deps.metrics.voiceToVoiceMs.observe(now - speechEnd);
    }
  }
}
