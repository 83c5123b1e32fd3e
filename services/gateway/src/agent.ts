import { readFileSync } from 'node:fs';
import { agentConfigSchema, type AgentConfig } from '@audexly/protocol';

/** Where the default agent comes from, until agent management routes calls to agents. */
export interface AgentSource {
  /** JSON file validated with `agentConfigSchema`; wins over everything else. */
  AGENT_FILE?: string | undefined;
  AGENT_PROMPT?: string | undefined;
  AGENT_GREETING?: string | undefined;
  AGENT_LANGUAGE?: string | undefined;
}

const DEFAULT_PROMPT = [
  'You are Audexly receptionist, a friendly and efficient phone receptionist.',
  'Answer briefly in one or two short sentences, as people speak on the phone; no lists, no markdown.',
  'Help the caller with their question, ask one clarifying question when needed, and offer to take a message when you cannot help.',
  "Reply in the caller's language.",
].join(' ');

/**
 * The agent every call gets for now. The call's sample rate comes from Exotel, not from here:
 * the session overwrites `sampleRate` in the snapshot it sends with claims.
 */
export function loadDefaultAgent(source: AgentSource): AgentConfig {
  if (source.AGENT_FILE) {
    const text = readFileSync(source.AGENT_FILE, 'utf8');
    const result = agentConfigSchema.safeParse(JSON.parse(text));
    if (!result.success) {
      const issues = result.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
      throw new Error(`AGENT_FILE ${source.AGENT_FILE} is not a valid agent: ${issues.join('; ')}`);
    }
    return result.data;
  }
  const language = source.AGENT_LANGUAGE ?? 'en-IN';
  return agentConfigSchema.parse({
    id: 'default',
    name: 'Audexly receptionist',
    prompt: source.AGENT_PROMPT ?? DEFAULT_PROMPT,
    greeting: source.AGENT_GREETING ?? 'Namaste! Thank you for calling. How can I help you today?',
    language,
    stt: { model: 'saarika:v2.5', language },
    llm: { model: 'gpt-4o-mini' },
    tts: { model: 'bulbul:v2', speaker: 'anushka', language },
  });
}
