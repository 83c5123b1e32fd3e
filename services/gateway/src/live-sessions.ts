import { delay } from '@audexly/protocol';
import type { Logger } from '@audexly/telemetry';

/** What the gateway needs of a call session to keep count of it and to drain it. */
export interface LiveSession {
  /** Resolves when the session has ended. */
  readonly done: Promise<void>;
  readonly callId: string | undefined;
  /** Ends the call from our side (drain deadline): `call.ended`, the socket closed with 1001. */
  shutdown(): void;
  /** Drops the socket at once. */
  terminate(): void;
}

/**
 * The gateway's open Exotel sockets, and the calls among them by call id: a call id has at most
 * one live session. The one owner of both; sessions report to it through `register` and `ended`.
 */
export class LiveSessions<S extends LiveSession> {
  private readonly sessions = new Set<S>();
  private readonly byCallId = new Map<string, S>();

  /** Open sockets (calls and sockets before their `start`). */
  get size(): number {
    return this.sessions.size;
  }

  /** A socket was accepted. */
  add(session: S): void {
    this.sessions.add(session);
  }

  /** At `start`: false when another live session already has this call id. */
  register(callId: string, session: S): boolean {
    if (this.byCallId.has(callId)) return false;
    this.byCallId.set(callId, session);
    return true;
  }

  /** The session has ended: no longer counted, its call id free. */
  ended(session: S): void {
    this.sessions.delete(session);
    if (session.callId !== undefined && this.byCallId.get(session.callId) === session)
      this.byCallId.delete(session.callId);
  }

  /**
   * Lets live calls go on until they end or `deadlineMs` passes; then ends those still live, gives
   * their sockets `closeGraceMs` to close, and drops what is left.
   */
  async drain(deadlineMs: number, closeGraceMs: number, log: Logger): Promise<void> {
    const until = Date.now() + deadlineMs;
    while (this.sessions.size > 0 && Date.now() < until) {
      const next = Promise.race([...this.sessions].map((s) => s.done));
      await Promise.race([next, delay(Math.max(0, Math.min(1000, until - Date.now())))]);
    }
    if (this.sessions.size === 0) return;
    log.warn({ calls: this.sessions.size }, 'drain deadline passed, ending live calls');
    const live = [...this.sessions];
    for (const s of live) s.shutdown();
    await delay(closeGraceMs);
    for (const s of live) s.terminate();
  }
}
