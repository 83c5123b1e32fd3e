import { toE164 } from '@audexly/protocol';
import { agentInputSchema, type AgentInputData } from './agent-schemas.js';
import { agentRuleProblems } from './fields/agent-rules.js';
import { AGENT_LABELS } from './fields/labels.js';
import { parseStrict, type Parsed } from './validation.js';

/**
 * An agent a client sends, checked as a whole before anything is stored: its shape (the
 * protocol's schema, no unknown fields), then the rules a call needs (voice settings the providers
 * accept, a prompt that says something, a transfer number that is a number). What passes has its
 * transfer number in E.164.
 */
export function validateAgentInput(body: unknown): Parsed<AgentInputData> {
  const parsed = parseStrict(agentInputSchema, body, AGENT_LABELS);
  if (!parsed.ok) return parsed;
  const problems = agentRuleProblems(parsed.data);
  if (problems.length > 0) return { ok: false, problems };
  const { transferNumber } = parsed.data.tools;
  return {
    ok: true,
    data: {
      ...parsed.data,
      tools: {
        ...parsed.data.tools,
        transferNumber: transferNumber === null ? null : (toE164(transferNumber) ?? transferNumber),
      },
    },
  };
}
