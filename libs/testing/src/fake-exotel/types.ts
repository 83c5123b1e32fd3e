import type { IncomingHttpHeaders } from 'node:http';

/** An Exotel account the fake accepts: requests must use its key and token (HTTP Basic) and its SID in the path. */
export interface FakeExotelAccount {
  sid: string;
  apiKey: string;
  apiToken: string;
}

export interface FakeExotelOptions {
  accounts: FakeExotelAccount[];
  /** Requests per account per window before 429 (Exotel: 200 per minute for Voice v1). */
  rateLimit?: { max: number; windowMs: number };
  /** `Status` of a call just placed: Exotel answers `in-progress` (sometimes `queued`). */
  initialStatus?: 'in-progress' | 'queued';
}

/** One request as the fake saw it. */
export interface ExotelRequestLog {
  method: string;
  /** Path without the query. */
  path: string;
  headers: IncomingHttpHeaders;
  /** The form body, repeated keys (`StatusCallbackEvents[]`) as arrays. */
  form: Record<string, string | string[]>;
  /** The account of the Basic credentials, when they were valid. */
  accountSid: string | null;
  status: number;
}

/** A call the fake placed. */
export interface FakeExotelCall {
  sid: string;
  accountSid: string;
  from: string;
  callerId: string;
  streamUrl: string | null;
  url: string | null;
  statusCallback: string | null;
  statusCallbackEvents: string[];
  customField: string | null;
  status: string;
  dateCreated: string;
}

/** What the fake sends in a status callback (§7.4); the rest is filled in from the call. */
export interface StatusCallbackEvent {
  eventType: 'answered' | 'terminal';
  /** `in-progress` for answered; `completed | failed | busy | no-answer` for terminal. */
  status?: string;
  conversationDurationS?: number;
  recordingUrl?: string | null;
}
