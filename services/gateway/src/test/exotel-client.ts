import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';

export interface Outbound {
  event: string;
  stream_sid?: string;
  media?: { payload: string };
  mark?: { name: string };
  at: number;
}

/** A minimal Exotel stand-in for stage tests: sends frames, records what the gateway sends. */
export class ExotelTestClient {
  readonly callSid: string;
  readonly streamSid = randomBytes(16).toString('hex');
  readonly received: Outbound[] = [];
  closed: { code: number; reason: string } | undefined;
  private seq = 0;
  private chunk = 0;
  private waiters: (() => void)[] = [];

  private constructor(
    readonly ws: WebSocket,
    private readonly echoMarks: boolean,
    callSid?: string,
  ) {
    this.callSid = callSid ?? randomBytes(16).toString('hex');
    ws.on('message', (data: Buffer) => {
      const msg = { ...(JSON.parse(data.toString()) as Omit<Outbound, 'at'>), at: Date.now() };
      this.received.push(msg);
      if (msg.event === 'mark' && this.echoMarks)
        this.send({
          event: 'mark',
          sequence_number: ++this.seq,
          stream_sid: this.streamSid,
          mark: { name: msg.mark!.name },
        });
      this.notify();
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.notify();
    });
  }

  /** Rejects with `HTTP <status>` when the gateway refuses the upgrade. */
  static async connect(
    url: string,
    options: { echoMarks?: boolean; headers?: Record<string, string>; callSid?: string } = {},
  ): Promise<ExotelTestClient> {
    const ws = new WebSocket(url, { headers: options.headers });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
    return new ExotelTestClient(ws, options.echoMarks ?? true, options.callSid);
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  start(options: { sampleRate?: number; customParameters?: Record<string, string>; to?: string } = {}): void {
    this.send({ event: 'connected' });
    this.send({
      event: 'start',
      sequence_number: String(++this.seq),
      stream_sid: this.streamSid,
      start: {
        stream_sid: this.streamSid,
        call_sid: this.callSid,
        account_sid: 'acmevoice1',
        from: '+919876543210',
        to: options.to ?? '+918047491899',
        custom_parameters: options.customParameters ?? {},
        media_format: { encoding: 'audio/x-raw', sample_rate: String(options.sampleRate ?? 8000), bit_rate: '16' },
      },
    });
  }

  media(pcm: Buffer, options: { skipSequence?: number } = {}): void {
    this.seq += 1 + (options.skipSequence ?? 0);
    this.chunk++;
    this.send({
      event: 'media',
      sequence_number: String(this.seq),
      stream_sid: this.streamSid,
      media: { chunk: String(this.chunk), timestamp: String(this.chunk * 100), payload: pcm.toString('base64') },
    });
  }

  dtmf(digit: string): void {
    this.send({
      event: 'dtmf',
      sequence_number: String(++this.seq),
      stream_sid: this.streamSid,
      dtmf: { digit, duration: '100' },
    });
  }

  stop(reason = 'callended'): void {
    this.send({
      event: 'stop',
      sequence_number: String(++this.seq),
      stream_sid: this.streamSid,
      stop: { call_sid: this.callSid, account_sid: 'acmevoice1', reason },
    });
  }

  /** Resolves when `predicate` holds, checking on each message; rejects after `timeoutMs`. */
  async until(predicate: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 50));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  mediaChunks(): Buffer[] {
    return this.received.filter((m) => m.event === 'media').map((m) => Buffer.from(m.media!.payload, 'base64'));
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
