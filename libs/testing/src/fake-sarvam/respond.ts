/** Answers a REST request and records the status in its log entry. */
export type Respond = (status: number, body: unknown, headers?: Record<string, string>) => void;
