import type { WebSocket } from 'ws';

/** Close code for a socket that idled too long (as Sarvam's realtime endpoint documents). */
export const IDLE_CLOSE_CODE = 1008;

/**
 * Closes `ws` with {@link IDLE_CLOSE_CODE} once it has received nothing for `idleMs` (wall time),
 * after `onIdle` (e.g. the realtime socket's `session.end`, sent "when the session closes").
 * Call the returned function at every message received; the timer stops when the socket closes.
 */
export function closeWhenIdle(ws: WebSocket, idleMs: number, onIdle?: () => void): () => void {
  let timer: NodeJS.Timeout | null = null;
  let closed = false;
  const arm = (): void => {
    if (closed) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      onIdle?.();
      ws.close(IDLE_CLOSE_CODE, 'idle timeout');
    }, idleMs);
  };
  ws.once('close', () => {
    closed = true;
    if (timer) clearTimeout(timer);
  });
  arm();
  return arm;
}
