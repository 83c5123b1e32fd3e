/**
 * Ending the call from our side once the agent has been heard: a hang-up, a transfer to a human,
 * or the no-capacity apology. Each waits until the marks of the turn came back and agent audio went
 * quiet, or until `hangupTimeoutMs` passed.
 */
import { ErrorCode, toE164 } from '@audexly/protocol';
import type { CallContext } from './call-context.js';
import { CLOSE } from './session-deps.js';
import type { TransferDecision } from './telephony/transfers.js';
import { APOLOGY_TURN, type TurnLedger } from './turn-ledger.js';

/** How long storing a transfer decision may take before the socket closes anyway. */
const TRANSFER_SAVE_TIMEOUT_MS = 2000;
/** How long agent audio must be quiet before a hang-up closes the socket. */
const HANGUP_QUIET_MS = 300;

export class Hangup {
  private hangupTimer: NodeJS.Timeout | undefined;
  private hangupDone = false;

  constructor(
    private readonly ctx: CallContext,
    private readonly turns: TurnLedger,
  ) {}

  /**
   * Ends the call from our side once the agent has been heard: the marks of `afterTurn` (or of
   * everything sent) came back and agent audio went quiet, or `hangupTimeoutMs` passed.
   */
  hangup(afterTurn: number | null, reason: 'agent-hangup' | 'transfer', detail: string): void {
    this.afterHeard(afterTurn, reason, (timedOut) => this.ctx.end(reason, detail || (timedOut ? 'hang-up timeout' : ''), CLOSE.normal, reason));
  }

  /**
   * The agent hands the caller to a human: once the goodbye was heard, the decision goes to KV
   * `transfers` (Exotel's Connect applet asks for it right after the socket closes), then the
   * socket closes. Only the agent's configured `tools.transferNumber` is ever dialled: a model
   * cannot be talked into calling anywhere else. With no number configured the call just ends.
   */
  transfer(to: string, afterTurn: number | null, reason: string): void {
    const { ctx } = this;
    const configured = ctx.call?.agent.tools.transferNumber ? toE164(ctx.call.agent.tools.transferNumber) : undefined;
    if (!configured) {
      ctx.log.warn({ pii: { to } }, 'transfer requested but the agent has no transfer number; hanging up instead');
      ctx.publish('error', { type: 'error', stage: 'gateway', code: ErrorCode.badInput, message: 'transfer requested but the agent has no transfer number', retryable: false, turn: afterTurn });
      this.hangup(afterTurn, 'agent-hangup', 'transfer refused: no transfer number');
      return;
    }
    if (toE164(to) !== configured) ctx.log.warn({ pii: { requested: to, configured } }, "transfer to another number than the agent's; dialling the agent's");
    this.afterHeard(afterTurn, 'transfer', (timedOut) => {
      const call = ctx.call!;
      const decision: TransferDecision = { callId: call.callId, callSid: call.callSid, to: configured, reason, decidedAt: Date.now() };
      const saved = withTimeout(ctx.deps.saveTransfer(decision), TRANSFER_SAVE_TIMEOUT_MS);
      saved
        .then(
          () => ctx.log.info({ pii: { to: configured }, reason }, 'transfer stored'),
          (err: unknown) => ctx.log.error({ err }, 'could not store the transfer decision'),
        )
        .finally(() => ctx.end('transfer', reason || (timedOut ? 'hang-up timeout' : ''), CLOSE.normal, 'transfer'))
        .catch((err: unknown) => ctx.log.error({ err }, 'ending a transfer failed'));
    });
  }

  /**
   * No stage could take the call: the caller hears the pre-recorded apology (when there is one),
   * then the call ends cleanly with reason `no-capacity`.
   */
  apologise(detail: string): void {
    const { ctx } = this;
    const pcm = ctx.deps.noCapacityAudio?.get(ctx.callRate());
    if (!pcm || !ctx.playout) {
      ctx.end('no-capacity', detail, CLOSE.normal, 'no capacity');
      return;
    }
    ctx.state = 'live';
    ctx.playout.audio(APOLOGY_TURN, 0, pcm, true);
    this.turns.lastAgentAudioAt = ctx.clock.now();
    this.turns.started.add(APOLOGY_TURN);
    this.afterHeard(APOLOGY_TURN, 'no-capacity', () => ctx.end('no-capacity', detail, CLOSE.normal, 'no capacity'));
  }

  /** The call ended: no more waiting. */
  stop(): void {
    clearInterval(this.hangupTimer);
  }

  /** Runs `then` once `afterTurn` (or everything) has been heard and audio went quiet, or at the timeout. */
  private afterHeard(afterTurn: number | null, what: string, then: (timedOut: boolean) => void): void {
    const { ctx } = this;
    if (this.hangupTimer || this.hangupDone || ctx.state === 'ended') return;
    const deadline = ctx.clock.now() + ctx.deps.settings.hangupTimeoutMs;
    ctx.log.info({ afterTurn, what }, 'ending after the agent is heard');
    const check = () => {
      if (ctx.state === 'ended' || this.hangupDone) return;
      const now = ctx.clock.now();
      const turnDone = afterTurn === null || this.turns.heard(afterTurn, ctx.playout?.marks);
      const quiet = !(ctx.playout?.isPlaying() ?? false) && now - this.turns.lastAgentAudioAt >= HANGUP_QUIET_MS;
      if ((turnDone && quiet) || now >= deadline) {
        clearInterval(this.hangupTimer);
        this.hangupTimer = undefined;
        this.hangupDone = true;
        then(now >= deadline && !(turnDone && quiet));
      }
    };
    this.hangupTimer = setInterval(check, 50);
    // Not at once: events published before the hang-up (the turn's reply.done) arrive on other
    // subscriptions and are handled first.
    setImmediate(check);
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}
