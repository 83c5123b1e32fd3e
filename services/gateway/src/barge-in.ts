/**
 * Stopping the agent mid-turn: when the caller speaks over it (barge-in, when enabled) or when a
 * stage asks (`control.interrupt`).
 */
import type { CallContext } from './call-context.js';
import { clearMessage } from './exotel/protocol.js';
import type { TurnLedger } from './turn-ledger.js';

export class BargeIn {
  constructor(
    private readonly ctx: CallContext,
    private readonly turns: TurnLedger,
  ) {}

  /** `speech.started`: the caller began an utterance. */
  callerSpeech(utterance: number): void {
    const { ctx } = this;
    // Off for the whole gateway (BARGE_IN=false) or for this call's agent (turn.bargeIn=false).
    if (!ctx.deps.settings.bargeIn || ctx.call?.agent.turn.bargeIn === false || !ctx.playout || ctx.state !== 'live') return;
    const turn = ctx.playout.currentTurn();
    if (turn === null || !ctx.playout.isPlaying() || this.turns.interrupted.has(turn)) return;
    ctx.log.info({ turn, utterance }, 'barge-in');
    this.interrupt(turn, 'barge-in', true);
  }

  /**
   * Stops the agent: `clear` to Exotel, queued audio dropped, `playback.interrupted` with what was
   * heard. `announce` also publishes `control.interrupt` (barge-in detected here).
   */
  interrupt(turn: number, reason: string, announce: boolean): void {
    const { ctx } = this;
    if (!ctx.playout || !ctx.call || this.turns.interrupted.has(turn)) return;
    this.turns.interrupted.add(turn);
    ctx.send(clearMessage(ctx.streamSid));
    const result = ctx.playout.interrupt(turn);
    if (announce) ctx.publish('control', { type: 'control.interrupt', turn, reason });
    ctx.publish('playback', { type: 'playback.interrupted', turn, heardSegments: result?.heardSegments ?? [] });
    ctx.log.info({ turn, reason, heard: result?.heardSegments.length ?? 0 }, 'agent interrupted');
  }
}
