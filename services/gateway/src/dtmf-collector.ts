/**
 * Collects a caller's keyed digits into one input, per the agent's `dtmf` config: until the
 * terminator (`#` by default; not part of the digits), `timeoutMs` after the last key, or
 * `maxDigits`. Each collection ends in exactly one `onInput`.
 */
import type { DtmfInputReason } from '@audexly/protocol';
import { systemClock, type PacerClock } from './pacer.js';

export interface DtmfSettings {
  terminator: string;
  timeoutMs: number;
  maxDigits: number;
}

export class DtmfCollector {
  private digits = '';
  private timer: unknown = null;

  constructor(
    private readonly settings: DtmfSettings,
    private readonly onInput: (digits: string, reason: DtmfInputReason) => void,
    private readonly clock: PacerClock = systemClock,
  ) {}

  /** One key press (0-9, *, #). */
  press(digit: string): void {
    this.cancelTimer();
    if (digit === this.settings.terminator) {
      this.flush('terminator');
      return;
    }
    this.digits += digit;
    if (this.digits.length >= this.settings.maxDigits) {
      this.flush('max');
      return;
    }
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      this.flush('timeout');
    }, this.settings.timeoutMs);
  }

  /** Digits keyed and not yet delivered. */
  get pending(): string {
    return this.digits;
  }

  /** Stops the timer; pending digits are dropped (the call ended). */
  stop(): void {
    this.cancelTimer();
    this.digits = '';
  }

  private flush(reason: DtmfInputReason): void {
    const digits = this.digits;
    this.digits = '';
    this.onInput(digits, reason);
  }

  private cancelTimer(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }
}
