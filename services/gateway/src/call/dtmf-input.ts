/**
 * Keypad presses of one call: each digit is published as `control.dtmf`; digits are collected by
 * the agent's `dtmf` settings into `control.dtmf-input`.
 */
import { dtmfConfigSchema, type AgentConfig } from '@audexly/protocol';
import type { Logger } from '@audexly/telemetry';
import { DtmfCollector } from '../dtmf-collector.js';
import type { DtmfFrame } from '../exotel/protocol.js';
import type { PacerClock } from '../pacer.js';
import type { CallBus } from './call-bus.js';

export class DtmfInput {
  private collector: DtmfCollector | undefined;
  /** Until the agent is known (keys pressed while it is looked up), the protocol's defaults. */
  private settings: AgentConfig['dtmf'] = dtmfConfigSchema.parse({});

  constructor(
    private readonly bus: Pick<CallBus, 'publish'>,
    private readonly clock: PacerClock,
    private readonly log: Logger,
  ) {}

  /** The agent's collection settings (terminator, timeout, most digits). */
  useAgentSettings(settings: AgentConfig['dtmf']): void {
    this.settings = settings;
  }

  press(frame: DtmfFrame): void {
    this.log.info({ pii: { digit: frame.digit } }, 'dtmf');
    this.bus.publish('control', { type: 'control.dtmf', digit: frame.digit, durationMs: frame.durationMs });
    this.collector ??= new DtmfCollector(
      this.settings,
      (digits, reason) => {
        this.log.info({ pii: { digits }, reason }, 'dtmf input');
        this.bus.publish('control', { type: 'control.dtmf-input', digits, reason });
      },
      this.clock,
    );
    this.collector.press(frame.digit);
  }

  stop(): void {
    this.collector?.stop();
  }
}
