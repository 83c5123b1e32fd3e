import type { StreamingResampler } from '@audexly/audio';
import { ErrorCode } from '@audexly/protocol';
import { EventQueue } from '../event-queue.js';
import type { SttEvent, SttSession } from '../stt.js';
import { messageOf, upstreamError } from '../upstream-error.js';
import { TranscriptAssembly, type Outgoing } from './transcript-assembly.js';

/** Where a wire puts what one socket message says. */
export interface WireReader {
  /** A transcript of the audio since Sarvam's previous segment. */
  transcript(data: { text: string; language: string | null; audioSeconds: number }): void;
  /** Sarvam's VAD heard speech start (it owes a transcript). */
  speechStarted(): void;
  /** An interim transcript of the segment in progress. */
  partial(text: string): void;
  /** The socket reported an error: the session fails. */
  fail(cause: unknown, message: string): void;
}

/** One of Sarvam's STT sockets, seen through what differs between its endpoints. */
export interface SttWire<S> {
  /** For messages: "Sarvam STT", "Sarvam realtime STT". */
  readonly label: string;
  /** Opens a socket (rejects when it cannot). */
  connect(): Promise<S>;
  /** Routes the socket's events; `close` gets the close code. */
  listen(
    socket: S,
    handlers: {
      open: () => void;
      message: (m: unknown) => void;
      error: (err: unknown) => void;
      close: (code: number) => void;
    },
  ): void;
  isOpen(socket: S): boolean;
  /**
   * The server answers every flush, speech or not (manual endpointing): a flush waits for its
   * answer instead of a grace period (FallbackStt's flush timeout bounds the wait).
   */
  readonly answersEveryFlush: boolean;
  /** Closes it; never throws (a socket that never opened has nothing to close). */
  close(socket: S): void;
  sendAudio(socket: S, base64: string): void;
  sendFlush(socket: S): void;
  /** Reads one message into the session. */
  read(message: unknown, into: WireReader): void;
}

/** Whether one of the SDK's sockets is open (both sockets share the WebSocket readyState). */
export const isSdkSocketOpen = (socket: { readonly readyState: number }): boolean => socket.readyState === 1;

/** Closes one of the SDK's sockets; never throws. */
export const closeSdkSocket = (socket: { close(): void }): void => {
  try {
    socket.close();
  } catch {
    // Never opened, or already closed.
  }
};

/**
 * One call's session on one of Sarvam's STT sockets: one socket at a time, one `final` per flush,
 * assembled from every transcript Sarvam sends for that audio ({@link TranscriptAssembly}: Sarvam
 * segments on its own VAD too, so transcripts come before, after or without a flush).
 *
 * Idle timeout: Sarvam closes a socket that receives nothing for a while (the limit is not
 * documented for STT). Rather than streaming billed silence as a keepalive, a session whose socket
 * closes (or errors) while idle — nothing owed by either side ({@link TranscriptAssembly.idle}) —
 * forgets it quietly and opens a new one when audio comes again; the audio queues meanwhile, and
 * the connect overlaps the caller's speech. A close or error while an utterance is in flight fails
 * the session with an error event.
 */
export class SttSocketSession<S> implements SttSession {
  private readonly events = new EventQueue<SttEvent>();
  private readonly outbox: Outgoing[] = [];
  private socket: S | null = null;
  private connecting = false;
  private open = false;
  private finished = false;
  private readonly assembly: TranscriptAssembly;
  private readonly onAbort = (): void => this.shutdown(true);

  constructor(
    private readonly wire: SttWire<S>,
    private readonly resampler: StreamingResampler | null,
    private readonly signal: AbortSignal | undefined,
    flushGraceMs: number,
  ) {
    const graceMs = wire.answersEveryFlush ? null : flushGraceMs;
    this.assembly = new TranscriptAssembly(
      (event) => this.events.push(event),
      (message) => this.send(message),
      graceMs,
    );
    if (signal?.aborted) this.shutdown(true);
    else signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  /** Opens a socket; a failure ends the session with an error event. */
  async connect(): Promise<void> {
    if (this.finished || this.socket || this.connecting) return;
    this.connecting = true;
    try {
      this.attach(await this.wire.connect());
    } catch (err) {
      this.fail(err, 'could not open the Sarvam STT socket');
    } finally {
      this.connecting = false;
    }
  }

  private attach(socket: S): void {
    if (this.finished) {
      this.wire.close(socket);
      return;
    }
    this.socket = socket;
    this.open = false;
    this.wire.listen(socket, {
      open: () => {
        if (this.socket !== socket) return;
        this.open = true;
        this.drain();
      },
      message: (m) => {
        if (this.socket === socket) this.wire.read(m, this.reader);
      },
      error: (err) => this.connectionLost(socket, err, `${this.wire.label} socket error`),
      close: (code) =>
        this.connectionLost(socket, { code }, `${this.wire.label} socket closed unexpectedly (code ${code})`),
    });
    if (this.wire.isOpen(socket)) {
      this.open = true;
      this.drain();
    }
  }

  /** Where the wire puts what a message says. */
  private readonly reader: WireReader = {
    transcript: (data) => this.assembly.transcript(data),
    speechStarted: () => this.assembly.speechStarted(),
    partial: (text) => this.assembly.partial(text),
    fail: (cause, message) => this.fail(cause, message),
  };

  /** The socket went away: quietly when idle (reopened at the next audio), else the session fails. */
  private connectionLost(socket: S, cause: unknown, message: string): void {
    if (this.finished || this.socket !== socket) return;
    // A socket that never opened is a connect failure, never an idle timeout.
    const idle = this.open && this.assembly.idle && this.outbox.length === 0;
    if (!idle) {
      this.fail(cause, message);
      return;
    }
    this.socket = null;
    this.open = false;
    this.wire.close(socket);
  }

  push(pcm: Buffer): void {
    if (this.finished) return;
    const wire = this.resampler ? this.resampler.push(pcm) : pcm;
    if (wire.byteLength === 0) return;
    this.assembly.audio(wire.toString('base64'));
  }

  flush(): void {
    if (this.finished) return;
    this.assembly.flush();
  }

  close(): Promise<void> {
    this.shutdown(true);
    return Promise.resolve();
  }

  /** Ends the session with an error event (once). */
  fail(cause: unknown, message: string): void {
    if (this.finished) return;
    const detail = cause instanceof Error ? `: ${messageOf(cause)}` : '';
    this.events.push({ type: 'error', error: upstreamError(ErrorCode.sttUpstream, `${message}${detail}`, cause) });
    this.shutdown();
  }

  [Symbol.asyncIterator](): AsyncIterator<SttEvent> {
    return this.events[Symbol.asyncIterator]();
  }

  private send(msg: Outgoing): void {
    this.outbox.push(msg);
    if (this.open) this.drain();
    else if (!this.socket && !this.connecting) this.reconnect();
  }

  private reconnect(): void {
    // connect() never rejects: it reports a failure as the session's error event.
    void this.connect();
  }

  private drain(): void {
    const socket = this.socket;
    if (!socket) return;
    try {
      for (let msg = this.outbox.shift(); msg; msg = this.outbox.shift()) {
        if (msg.kind === 'audio') this.wire.sendAudio(socket, msg.data);
        else this.wire.sendFlush(socket);
      }
    } catch (err) {
      this.fail(err, `could not send to the ${this.wire.label} socket`);
    }
  }

  /** Stops everything; `discard` drops events not yet read (close and abort are quiet). */
  private shutdown(discard = false): void {
    if (this.finished) return;
    this.finished = true;
    this.assembly.close();
    this.signal?.removeEventListener('abort', this.onAbort);
    this.outbox.length = 0;
    this.resampler?.destroy();
    const socket = this.socket;
    this.socket = null;
    if (socket) this.wire.close(socket);
    this.events.end(discard);
  }
}
