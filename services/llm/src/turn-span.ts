/**
 * The LLM's part of the call's trace: an `llm.turn` span per agent turn the model works on
 * (beneath the call's `turn` span of that number), active while the turn runs, so the model's
 * requests (OpenAI over fetch: the undici instrumentation's CLIENT spans), tool calls and the
 * reply events published are its children. {@link recordRound} adds what each model round
 * measured. Nothing when tracing is off.
 */
import type { AgentConfig } from '@audexly/protocol';
import { activeSpan, startCallStageSpan, tracingEnabled, withSpan, type Span } from '@audexly/telemetry';

export function traceLlmTurn(
  callId: string,
  turn: number,
  agent: AgentConfig,
  work: () => Promise<void>,
): Promise<void> {
  if (!tracingEnabled()) return work();
  const span = startCallStageSpan('llm.turn', callId, turn, modelAttributes(agent));
  return withSpan(span, work).finally(() => span.end());
}

/**
 * A speculative answer (`turn.speculate`) as an `llm.speculation` span beneath the call's `turn`
 * span of the utterance it answers (the turn that answers utterance n is turn n), so its model
 * request sits in the turn it was made for: `audexly.llm.speculation` says whether the turn's
 * answer took it over (`used`) or it was aborted (`aborted`: the caller spoke on, or the final
 * differed). The turn's `llm.turn` then has no request of its own when it was used.
 */
export function traceSpeculation(
  callId: string,
  utterance: number,
  agent: AgentConfig,
  speculate: () => Promise<boolean>,
): void {
  if (!tracingEnabled()) {
    void speculate();
    return;
  }
  const span = startCallStageSpan('llm.speculation', callId, utterance, modelAttributes(agent));
  void withSpan(span, speculate)
    .then((used) => span.setAttribute('audexly.llm.speculation', used ? 'used' : 'aborted'))
    .finally(() => span.end());
}

/** The agent and model an LLM span is about. */
function modelAttributes(agent: AgentConfig) {
  return {
    agentId: agent.id,
    language: agent.language,
    'gen_ai.system': 'openai',
    'gen_ai.request.model': agent.llm.model,
  };
}

const totals = new WeakMap<Span, { rounds: number; input: number; output: number }>();

/** One model round of the active `llm.turn`: time to first token (first round), tokens, outcome. */
export function recordRound(
  firstTokenMs: number | null,
  usage: { promptTokens: number; completionTokens: number } | null,
  status: string,
): void {
  const span = activeSpan();
  if (!span) return;
  const sum = totals.get(span) ?? { rounds: 0, input: 0, output: 0 };
  totals.set(span, sum);
  if (sum.rounds === 0 && firstTokenMs !== null) span.setAttribute('audexly.llm.first_token_ms', firstTokenMs);
  sum.rounds += 1;
  sum.input += usage?.promptTokens ?? 0;
  sum.output += usage?.completionTokens ?? 0;
  span.setAttributes({
    'audexly.llm.rounds': sum.rounds,
    'gen_ai.usage.input_tokens': sum.input,
    'gen_ai.usage.output_tokens': sum.output,
    'audexly.llm.outcome': status,
  });
}
