import { ttsModel, voiceSettingsProblems } from '@audexly/protocol/catalogue';
import type { FieldProblem } from './field-problem.js';
import { AGENT_LABELS, labelFor } from './labels.js';
import { checkPhone } from './phone.js';

/**
 * What an agent must satisfy beyond its schema's shape, so that a call with it can start: the
 * providers accept its voice settings (the catalogue), its prompt says something, what the TTS
 * speaks fits the chosen model, and its transfer number is a phone number. The API refuses an agent
 * that breaks one (422); the dashboard checks the same before it submits.
 *
 * Kept out of `agentConfigSchema` on purpose: that schema also parses the agent travelling with
 * every call, and a stored agent from before a rule must not break a live call.
 *
 * Pure: shared by the API and its dashboard.
 */

/** The fields the rules look at (an `AgentConfig` has them all). */
export interface AgentRulesInput {
  name: string;
  prompt: string;
  greeting: string;
  sampleRate: number;
  stt: { model: string; language: string };
  tts: { model: string; speaker: string; language: string; pace: number };
  tools: { transferNumber: string | null };
  phrases: Readonly<Record<string, string | undefined>>;
}

export function agentRuleProblems(agent: AgentRulesInput): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const label = (path: string) => labelFor(AGENT_LABELS, path);
  if (agent.name.trim() === '') problems.push({ path: 'name', message: `${label('name')} cannot be blank` });
  if (agent.prompt.trim() === '')
    problems.push({
      path: 'prompt',
      message: `${label('prompt')} cannot be blank: say who the agent is and what it does`,
    });
  for (const problem of voiceSettingsProblems(agent))
    problems.push({ path: problem.path, message: `${label(problem.path)}: ${problem.message}` });
  const tts = ttsModel(agent.tts.model);
  if (tts) {
    for (const [path, text] of spokenTexts(agent)) {
      if (text.length > tts.maxTextChars)
        problems.push({
          path,
          message: `${label(path)} must be at most ${tts.maxTextChars} characters, the most ${tts.id} speaks at once`,
        });
    }
  }
  if (agent.tools.transferNumber !== null) {
    const phone = checkPhone(agent.tools.transferNumber, 'tools.transferNumber', label('tools.transferNumber'));
    if (!phone.ok) problems.push(phone.problem);
  }
  return problems;
}

/** Text the TTS speaks as it is written: the greeting and the fixed phrases, by field path. */
function spokenTexts(agent: AgentRulesInput): [string, string][] {
  const phrases = Object.entries(agent.phrases).flatMap(([key, text]): [string, string][] =>
    text === undefined ? [] : [[`phrases.${key}`, text]],
  );
  return [['greeting', agent.greeting], ...phrases];
}
