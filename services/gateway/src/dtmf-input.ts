/**
 * Keypad presses of one call: each digit is published as `control.dtmf`; digits are collected by
 * the agent's `dtmf` settings into `control.dtmf-input`.
 */
import type { CallContext } from './call-context.js';
import { DtmfCollector } from './dtmf-collector.js';
import type { DtmfFrame } from './exotel/protocol.js';

export class DtmfInput {
  private collector: DtmfCollector | undefined;

  constructor(private readonly ctx: CallContext) {}

  press(frame: DtmfFrame): void {
    const { ctx } = this;
    if (ctx.callId === undefined) return;
    ctx.log.info({ pii: { digit: frame.digit } }, 'dtmf');
    ctx.publish('control', { type: 'control.dtmf', digit: frame.digit, durationMs: frame.durationMs });
    this.collector ??= new DtmfCollector(
      (ctx.call?.agent ?? { dtmf: { terminator: '#', timeoutMs: 3000, maxDigits: 20 } }).dtmf,
      (digits, reason) => {
        ctx.log.info({ pii: { digits }, reason }, 'dtmf input');
        ctx.publish('control', { type: 'control.dtmf-input', digits, reason });
      },
      ctx.clock,
    );
    this.collector.press(frame.digit);
  }

  stop(): void {
    this.collector?.stop();
  }
}
