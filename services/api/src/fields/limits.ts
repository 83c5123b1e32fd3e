/**
 * Longest text, in characters, of the API's own (non-agent) text fields: the schemas' `.max()` and
 * the dashboard's `maxlength`. (An agent's are the protocol's `AGENT_TEXT_LIMITS`.)
 *
 * Pure: shared by the API and its dashboard.
 */
export const TELEPHONY_TEXT_LIMITS = {
  name: 100,
  accountSid: 64,
  apiKey: 256,
  apiToken: 256,
} as const;
