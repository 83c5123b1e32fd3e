/**
 * What each request field is called on screen. The API's messages start with these words and the
 * dashboard labels its fields with them, so an error reads as it would beside the field.
 * Keys are field paths with `[]` for a list index; `{n}` in a label is that index plus one.
 *
 * Pure: shared by the API and its dashboard.
 */
export type FieldLabels = Readonly<Record<string, string>>;

export const AGENT_LABELS = {
  id: 'Id',
  name: 'Name',
  prompt: 'Prompt',
  greeting: 'Greeting',
  language: 'Language',
  sampleRate: 'Sample rate',
  stt: 'Speech recognition',
  'stt.provider': 'Speech recognition provider',
  'stt.model': 'Speech recognition model',
  'stt.language': 'Speech recognition language',
  llm: 'Language model settings',
  'llm.provider': 'Language model provider',
  'llm.model': 'Language model',
  'llm.temperature': 'Temperature',
  'llm.maxTokens': 'Max tokens per reply',
  tts: 'Voice',
  'tts.provider': 'Voice provider',
  'tts.model': 'Voice model',
  'tts.speaker': 'Speaker',
  'tts.language': 'Voice language',
  'tts.pace': 'Pace',
  turn: 'Turn-taking',
  'turn.endOfTurnSilenceMs': 'End of turn after silence',
  'turn.minSpeechMs': 'Shortest speech',
  'turn.bargeIn': 'Barge-in',
  'turn.bargeInMode': 'Barge-in mode',
  'turn.resumeFrom': 'After a pause, go on from',
  'turn.backchannelWords': 'Acknowledgment words',
  'turn.backchannelWords[]': 'Acknowledgment word {n}',
  'turn.bargeInDecisionMs': 'Longest barge-in pause',
  'turn.completeness': 'End of turn by what was said',
  'turn.completeness.enabled': 'End of turn by what was said',
  'turn.completeness.minSilenceMs': 'End of a finished sentence after silence',
  'turn.completeness.maxSilenceMs': 'End of an unfinished sentence after silence',
  'turn.completeness.probeSilenceMs': 'Pause that asks for the transcript so far',
  'turn.speculate': 'Start the answer at a pause',
  'turn.speculateTts': 'Also synthesise its first sentence',
  tools: 'Tools',
  'tools.endCall': 'End call',
  'tools.transferNumber': 'Transfer number',
  'tools.webhooks': 'Webhooks',
  'tools.webhooks[]': 'Webhook {n}',
  'tools.webhooks[].name': 'Webhook {n} function name',
  'tools.webhooks[].description': 'Webhook {n} description',
  'tools.webhooks[].url': 'Webhook {n} URL',
  'tools.webhooks[].parameters': 'Webhook {n} parameters',
  'tools.webhooks[].timeoutMs': 'Webhook {n} timeout',
  'tools.webhooks[].headers': 'Webhook {n} headers',
  dtmf: 'Keypad',
  'dtmf.terminator': 'Keypad terminator',
  'dtmf.timeoutMs': 'Keypad timeout',
  'dtmf.maxDigits': 'Most digits',
  limits: 'Limits',
  'limits.idleRepromptMs': 'Re-prompt after silence',
  'limits.idleHangupMs': 'Hang up after silence',
  'limits.maxCallMs': 'Longest call',
  phrases: 'Fixed phrases',
  'phrases.apology': 'Apology phrase',
  'phrases.goodbye': 'Goodbye phrase',
  'phrases.idlePrompt': 'Idle re-prompt phrase',
  'phrases.transfer': 'Transfer phrase',
  'phrases.noCapacity': 'No-capacity phrase',
} as const satisfies FieldLabels;

export const NUMBER_LABELS = {
  number: 'Number',
  agentId: 'Agent',
  telephonyConfigId: 'Telephony account',
} as const satisfies FieldLabels;

export const TELEPHONY_LABELS = {
  name: 'Name',
  provider: 'Provider',
  accountSid: 'Account SID',
  apiKey: 'API key',
  apiToken: 'API token',
  region: 'Region',
  callerId: 'Caller ID',
} as const satisfies FieldLabels;

export const OUTBOUND_LABELS = {
  to: 'Number to call',
  agentId: 'Agent',
  telephonyConfigId: 'Telephony account',
  mode: 'Mode',
  appId: 'Flow app id',
  callerId: 'Caller ID',
  record: 'Record',
  timeLimitS: 'Time limit',
  customField: 'Custom field',
} as const satisfies FieldLabels;

/** `tools.webhooks[0].url` → `Webhook 1 URL`; a path with no label gets its last name in words. */
export function labelFor(labels: FieldLabels, path: string): string {
  if (path === '') return 'The request body';
  const index = /\[(\d+)\]/.exec(path)?.[1];
  const label = labels[path.replace(/\[\d+\]/g, '[]')];
  if (label !== undefined) return index === undefined ? label : label.replace('{n}', String(Number(index) + 1));
  const last =
    path
      .split(/[.[\]]+/)
      .filter(Boolean)
      .at(-1) ?? path;
  const words = last.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
