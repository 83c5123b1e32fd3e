/**
 * Ending the call from our side once the agent has been heard: a hang-up, a transfer to a human, or
 * the no-capacity apology. Each waits until the marks of the turn came back and agent audio went
 * quiet (or `hangupTimeoutMs` passed), then asks the session to end the call.
 */
import { ErrorCode, toE164, withTimeout, type AgentConfig, type EndReason } from '@audexly/protocol';
import type { Logger } from '@audexly/telemetry';
import type { PacerClock } from '../pacer.js';
import { CLOSE } from '../close-codes.js';
import type { TransferDecision } from '../telephony/transfers.js';
import type { AgentSpeech } from './agent-speech.js';
import type { CallBus } from './call-bus.js';

/** How long storing a transfer decision may take before the socket closes anyway. */
const TRANSFER_SAVE_TIMEOUT_MS = 2000;
/** How long agent audio must be quiet before a hang-up closes the socket. */
const HANGUP_QUIET_MS = 300;

export interface CallEndingOptions {
  speech: Pick<AgentSpeech, 'heard' | 'quietFor'>;
  bus: Pick<CallBus, 'publish'>;
  /** Ends the call (the session's). */
  end(reason: EndReason, detail: string, closeCode: number, closeReason: string): void;
  saveTransfer(decision: TransferDecision): Promise<void>;
  clock: PacerClock;
  log: Logger;
  hangupTimeoutMs: number;
}

export class CallEnding {
  private timer: NodeJS.Timeout | undefined;
  private decided = false;

  constructor(private readonly options: CallEndingOptions) {}

  /** Whether an ending is already under way (a second one is ignored). */
  get pending(): boolean {
    return this.timer !== undefined || this.decided;
  }

  /** Hangs up once `afterTurn` (null: whatever is playing) has been heard and audio went quiet. */
  hangup(afterTurn: number | null, detail: string): void {
    this.afterHeard(afterTurn, 'agent-hangup', (timedOut) =>
      this.options.end('agent-hangup', detail || (timedOut ? 'hang-up timeout' : ''), CLOSE.normal, 'agent-hangup'),
    );
  }

  /**
   * The agent hands the caller to a human: once the goodbye was heard, the decision goes to KV
   * `transfers` (Exotel's Connect applet asks for it right after the socket closes), then the
   * socket closes. Only the agent's configured `tools.transferNumber` is ever dialled: a model
   * cannot be talked into calling anywhere else. With no number configured the call just ends.
   */
  transfer(
    agent: AgentConfig,
    call: { callId: string; callSid: string },
    to: string,
    afterTurn: number | null,
    reason: string,
  ): void {
    const { log, bus } = this.options;
    const configured = agent.tools.transferNumber ? toE164(agent.tools.transferNumber) : undefined;
    if (!configured) {
      log.warn({ pii: { to } }, 'transfer requested but the agent has no transfer number; hanging up instead');
      bus.publish('error', {
        type: 'error',
        stage: 'gateway',
        code: ErrorCode.badInput,
        message: 'transfer requested but the agent has no transfer number',
        retryable: false,
        turn: afterTurn,
      });
      this.hangup(afterTurn, 'transfer refused: no transfer number');
      return;
    }
    if (toE164(to) !== configured)
      log.warn(
        { pii: { requested: to, configured } },
        "transfer to another number than the agent's; dialling the agent's",
      );
    this.afterHeard(afterTurn, 'transfer', (timedOut) => {
      const decision: TransferDecision = {
        callId: call.callId,
        callSid: call.callSid,
        to: configured,
        reason,
        decidedAt: Date.now(),
      };
      withTimeout(this.options.saveTransfer(decision), TRANSFER_SAVE_TIMEOUT_MS)
        .then(
          () => log.info({ pii: { to: configured }, reason }, 'transfer stored'),
          (err: unknown) => log.error({ err }, 'could not store the transfer decision'),
        )
        .finally(() =>
          this.options.end('transfer', reason || (timedOut ? 'hang-up timeout' : ''), CLOSE.normal, 'transfer'),
        )
        .catch((err: unknown) => log.error({ err }, 'ending a transfer failed'));
    });
  }

  /** The no-capacity apology is playing (turn `apologyTurn`): the call ends once it was heard. */
  afterApology(apologyTurn: number, detail: string): void {
    this.afterHeard(apologyTurn, 'no-capacity', () =>
      this.options.end('no-capacity', detail, CLOSE.normal, 'no capacity'),
    );
  }

  /** The call ended: no more waiting. */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.decided = true;
  }

  /** Runs `then` once `afterTurn` (or everything) has been heard and audio went quiet, or at the timeout. */
  private afterHeard(afterTurn: number | null, what: string, then: (timedOut: boolean) => void): void {
    if (this.pending) return;
    const { clock, speech, log } = this.options;
    const deadline = clock.now() + this.options.hangupTimeoutMs;
    log.info({ afterTurn, what }, 'ending after the agent is heard');
    const check = () => {
      if (this.decided) return;
      const now = clock.now();
      const heard = (afterTurn === null || speech.heard(afterTurn)) && speech.quietFor(HANGUP_QUIET_MS);
      if (!heard && now < deadline) return;
      clearInterval(this.timer);
      this.decided = true;
      then(!heard);
    };
    this.timer = setInterval(check, 50);
    // Not at once: events published before the hang-up (the turn's reply.done) arrive on other
    // subscriptions and are handled first.
    setImmediate(check);
  }
}
