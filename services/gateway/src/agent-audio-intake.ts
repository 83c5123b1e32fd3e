/**
 * Agent audio from `audio.out` into the call's playout: audio of an instance that lost the call and
 * of interrupted turns is dropped; the turn's first audio and TTS provider time are noted for
 * `playback.started`.
 */
import { AudioHeader, type SampleRate } from '@audexly/protocol';
import type { AudioMessage } from '@audexly/bus';
import type { CallContext } from './call-context.js';
import type { CallFailover } from './call-failover.js';
import type { TurnLedger } from './turn-ledger.js';

export class AgentAudioIntake {
  private sampleRateWarned = false;

  constructor(
    private readonly ctx: CallContext,
    private readonly turns: TurnLedger,
    private readonly sampleRate: SampleRate,
    /** The call's failover, once its stages are watched. */
    private readonly failover: () => CallFailover | undefined,
  ) {}

  /** One `audio.out` message. */
  receive(msg: AudioMessage): void {
    // After a failover, audio from an instance that lost the call (paused, then back) is not played.
    const failover = this.failover();
    if (failover && !failover.accepts(msg.header(AudioHeader.instance))) return;
    const turn = msg.num(AudioHeader.turn);
    const rateHeader = msg.num(AudioHeader.sampleRate, this.sampleRate);
    if (rateHeader !== this.sampleRate && !this.sampleRateWarned) {
      this.sampleRateWarned = true;
      this.ctx.log.warn({ got: rateHeader, want: this.sampleRate }, 'agent audio at the wrong sample rate');
    }
    if (!this.turns.firstAudioIn.has(turn) && msg.header(AudioHeader.providerMs) !== undefined) this.turns.ttsProviderMs.set(turn, msg.num(AudioHeader.providerMs));
    this.play(turn, msg.num(AudioHeader.segment), Buffer.from(msg.data), msg.header(AudioHeader.last) === '1');
  }

  private play(turn: number, segment: number, pcm: Buffer, last: boolean): void {
    const { ctx, turns } = this;
    if (ctx.state === 'ended' || !ctx.playout) return;
    if (turns.interrupted.has(turn)) return;
    if (!turns.firstAudioIn.has(turn)) turns.firstAudioIn.set(turn, ctx.timelineMs());
    turns.lastAgentAudioAt = ctx.clock.now();
    ctx.playout.audio(turn, segment, pcm, last);
  }
}
