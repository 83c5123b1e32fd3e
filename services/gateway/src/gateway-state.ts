import type { GatewayLink } from './gateway-link.js';

/** What `/api/v1/health` reports. */
export type GatewayHealth = 'ok' | 'starting' | 'nats-unavailable' | 'draining';

/**
 * Whether the gateway takes calls: the one owner of its phase (starting → ready → draining) and of
 * its NATS side once open. Start-up calls `opened`, stop calls `drain`; routes and the stream
 * upgrade only ask.
 */
export class GatewayState {
  private phase: 'starting' | 'ready' | 'draining' = 'starting';
  private current: GatewayLink | null = null;

  /** NATS is up and the stores are open: new calls are taken from now on (unless draining already). */
  opened(link: GatewayLink): void {
    this.current = link;
    if (this.phase === 'starting') this.phase = 'ready';
  }

  /** No new calls from now on; live calls go on. */
  drain(): void {
    this.phase = 'draining';
  }

  /** The NATS side once open, also while draining (live calls and Exotel's callbacks still use it). */
  get link(): GatewayLink | null {
    return this.current;
  }

  /** The NATS side when a new call may start: ready and not draining; null otherwise. */
  get accepting(): GatewayLink | null {
    return this.phase === 'ready' ? this.current : null;
  }

  health(): GatewayHealth {
    if (this.phase === 'draining') return 'draining';
    if (this.phase === 'starting' || this.current === null) return 'starting';
    return this.current.bus.connected ? 'ok' : 'nats-unavailable';
  }
}
