/** The Exotel side of a call: what goes out on its WebSocket (media, mark, clear) and closing it. */
import type { WebSocket } from 'ws';

export class ExotelSocket {
  constructor(private readonly ws: WebSocket) {}

  get open(): boolean {
    return this.ws.readyState === this.ws.OPEN;
  }

  /** Sends one message (a serialised Exotel event); nothing once the socket is closing. */
  send(message: string): void {
    if (this.open) this.ws.send(message);
  }

  /** Closes the socket with `code`, unless it is already closing. */
  close(code: number, reason = ''): void {
    if (this.ws.readyState === this.ws.OPEN || this.ws.readyState === this.ws.CONNECTING)
      this.ws.close(code, reason.slice(0, 100));
  }

  /** Drops the socket at once (after a drain's grace period). */
  terminate(): void {
    this.ws.terminate();
  }
}
