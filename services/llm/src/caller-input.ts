import type { AgentConfig } from '@audexly/protocol';

/** What a caller input becomes for the model: an utterance, or DTMF digits collected by the gateway. */
export type CallerInput =
  { kind: 'speech'; utterance: number; text: string } | { kind: 'dtmf'; digits: string; terminated: boolean };

/** How a caller input reads to the model. */
export function userText(input: CallerInput, agent: AgentConfig): string {
  if (input.kind === 'speech') return input.text;
  return `[DTMF] ${input.digits}${input.terminated ? agent.dtmf.terminator : ''}`;
}
