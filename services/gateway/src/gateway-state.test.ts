import { describe, expect, it } from 'vitest';
import type { GatewayLink } from './gateway-link.js';
import { GatewayState } from './gateway-state.js';

/** A link whose connection is up or down, as far as the state can tell. */
const link = (connected: boolean) => ({ bus: { connected } }) as GatewayLink;

describe('the gateway state', () => {
  it('takes calls only once NATS is open, and answers health by phase', () => {
    const state = new GatewayState();
    expect([state.health(), state.accepting, state.link]).toEqual(['starting', null, null]);
    const up = link(true);
    state.opened(up);
    expect([state.health(), state.accepting, state.link]).toEqual(['ok', up, up]);
  });

  it('says nats-unavailable while its connection is down, and still hands out the link', () => {
    const state = new GatewayState();
    const down = link(false);
    state.opened(down);
    expect([state.health(), state.accepting]).toEqual(['nats-unavailable', down]);
  });

  it('when draining, takes no new calls but keeps the link for live calls and callbacks, even if NATS opens later', () => {
    const state = new GatewayState();
    state.drain();
    state.opened(link(true));
    expect([state.health(), state.accepting, state.link === null]).toEqual(['draining', null, false]);
  });
});
