/**
 * The gateway's link to NATS as call audio sees it (one per process): when the last outage began
 * and ended, and whether the audio capture stream answers again after it — after a restart
 * JetStream reloads its streams, and audio published before that is not captured. Calls hold their
 * audio through an outage until the link and their consumers are back (`call-audio-outbox.ts`).
 */
import { audioCaptureAnswers, type Bus } from '@audexly/bus';
import type { Logger } from '@audexly/telemetry';
import type { AudioLink } from './call/call-audio-outbox.js';

/** How often, after a reconnect, the capture stream is asked whether it is back; and for how long. */
const PROBE_EVERY_MS = 100;
const PROBE_FOR_MS = 10_000;

export class NatsLinkWatch {
  private downSince: number | null = null;
  private upSince: number | null = null;
  private captureBackAt: number | null = null;
  private stopListening: (() => void) | undefined;
  private probing: NodeJS.Timeout | undefined;

  constructor(
    private readonly bus: Bus,
    private readonly log: Logger,
    private readonly captureAnswers: () => Promise<boolean> = () => audioCaptureAnswers(bus),
  ) {}

  start(): void {
    this.stopListening = this.bus.onConnectionChange(({ connected, at }) => {
      clearTimeout(this.probing);
      if (!connected) {
        this.downSince = at;
        this.log.warn('NATS is down: call audio is held until it is back');
        return;
      }
      this.upSince = at;
      this.probeCapture(at);
    });
  }

  stop(): void {
    this.stopListening?.();
    clearTimeout(this.probing);
  }

  link(): AudioLink {
    return { connected: this.bus.connected, downSince: this.downSince, upSince: this.upSince };
  }

  /** Whether the capture stream has answered since the reconnect at `upSince`. */
  captureBackSince(upSince: number): boolean {
    return this.captureBackAt !== null && this.captureBackAt >= upSince;
  }

  private probeCapture(upSince: number): void {
    const probe = async (): Promise<void> => {
      if (this.upSince !== upSince || !this.bus.connected) return;
      if (await this.captureAnswers()) {
        this.captureBackAt = Date.now();
        this.log.info(
          {
            outageMs: this.downSince === null ? null : upSince - this.downSince,
            captureBackMs: this.captureBackAt - upSince,
          },
          'NATS is back with the audio capture stream',
        );
        return;
      }
      if (Date.now() - upSince < PROBE_FOR_MS) this.probing = setTimeout(() => void probe(), PROBE_EVERY_MS);
      else this.log.warn('the audio capture stream did not answer after NATS came back; held audio goes out anyway');
    };
    void probe();
  }
}
