import { AUTO_DETECT_LANGUAGE, sttModel, ttsModel } from '@audexly/protocol/catalogue';
import type { AgentRulesInput } from '../../src/fields/agent-rules.js';
import type { AgentConfigInput } from '@audexly/protocol/api';

/** The agent being edited: what the api takes (every field optional but name and prompt). */
export type Draft = Omit<AgentConfigInput, 'id'> & { id?: string; createdAt?: string; updatedAt?: string };
export type Section = 'stt' | 'llm' | 'tts' | 'turn' | 'tools' | 'dtmf' | 'limits' | 'phrases';

/** What a new agent starts with (the protocol's defaults; the api fills any left out). */
export const NEW_AGENT = {
  name: '',
  prompt: 'You are a friendly phone assistant for {{business}}. Keep answers short: one or two sentences.',
  greeting: 'Namaste! Thank you for calling. How can I help you today?',
  language: 'en-IN',
  sampleRate: 8000,
  stt: { provider: 'sarvam', model: 'saarika:v2.5', language: 'en-IN' },
  llm: { provider: 'openai', model: 'gpt-4o-mini', temperature: 0.3, maxTokens: 300 },
  tts: { provider: 'sarvam', model: 'bulbul:v2', speaker: 'anushka', language: 'en-IN', pace: 1 },
  turn: {
    endOfTurnSilenceMs: 500,
    minSpeechMs: 200,
    bargeIn: true,
    speculate: true,
    speculateTts: true,
    completeness: { enabled: false, probeSilenceMs: 150 },
  },
  tools: { endCall: true, transferNumber: null, webhooks: [] },
  dtmf: { terminator: '#', timeoutMs: 3000, maxDigits: 20 },
  limits: { idleRepromptMs: 8000, idleHangupMs: 25_000, maxCallMs: 1_800_000 },
} satisfies Draft;

/** The draft's voice switched to another TTS model: a speaker it has (its default if the current one is not) and a pace in its range. */
export function withTtsModel(tts: NonNullable<Draft['tts']>, model: string): NonNullable<Draft['tts']> {
  const info = ttsModel(model);
  if (!info) return { ...tts, model };
  const speaker = tts.speaker !== undefined && info.speakers.includes(tts.speaker) ? tts.speaker : info.speakers[0];
  const pace = Math.min(info.pace.max, Math.max(info.pace.min, tts.pace ?? NEW_AGENT.tts.pace));
  return { ...tts, model, ...(speaker === undefined ? {} : { speaker }), pace };
}

/** The draft's recognition switched to another STT model: its language kept if the model takes it, else detected. */
export function withSttModel(stt: NonNullable<Draft['stt']>, model: string): NonNullable<Draft['stt']> {
  const info = sttModel(model);
  const language = stt.language ?? NEW_AGENT.stt.language;
  return { ...stt, model, language: !info || info.languages.includes(language) ? language : AUTO_DETECT_LANGUAGE };
}

/** The draft with the defaults filled in, as the api's agent rules read it. */
export function rulesInput(draft: Draft): AgentRulesInput {
  return {
    name: draft.name,
    prompt: draft.prompt,
    greeting: draft.greeting ?? '',
    sampleRate: draft.sampleRate ?? NEW_AGENT.sampleRate,
    stt: { model: draft.stt?.model ?? NEW_AGENT.stt.model, language: draft.stt?.language ?? NEW_AGENT.stt.language },
    tts: {
      model: draft.tts?.model ?? NEW_AGENT.tts.model,
      speaker: draft.tts?.speaker ?? NEW_AGENT.tts.speaker,
      language: draft.tts?.language ?? NEW_AGENT.tts.language,
      pace: draft.tts?.pace ?? NEW_AGENT.tts.pace,
    },
    tools: { transferNumber: draft.tools?.transferNumber ?? null },
    phrases: draft.phrases ?? {},
  };
}
