import type { LlmToolCall } from '@audexly/providers';
import { inChildSpan, type Logger } from '@audexly/telemetry';
import type { ConversationHistory } from './history.js';
import { parseToolArguments } from './tool-arguments.js';
import type { AgentTools } from './tools.js';
import { callWebhook } from './webhook-tool.js';

/** How the agent decided to end the call: hang up, or transfer the caller. */
export type Ending = { kind: 'hangup'; reason: string } | { kind: 'transfer'; to: string; reason: string };

export interface ToolRound {
  history: ConversationHistory;
  tools: AgentTools;
  log: Logger;
}

/**
 * Runs the model's tool calls, recording calls and results in the history; an ending tool
 * (`end_call`, `transfer_call`) says how the call ends. Every call gets a result, even when the
 * turn is cut off (the model's API refuses a history with a tool call left unanswered, and would
 * refuse every later turn of the call); then it resolves null.
 */
export async function runToolCalls(
  calls: LlmToolCall[],
  { history, tools, log }: ToolRound,
  signal: AbortSignal,
): Promise<Ending | null> {
  history.addToolCalls(calls);
  let ending: Ending | null = null;
  for (const [i, toolCall] of calls.entries()) {
    const kind = tools.kindOf(toolCall.name);
    let result: string | null;
    if (!kind) {
      result = JSON.stringify({ error: `there is no tool named ${toolCall.name}` });
    } else {
      const schema =
        kind.kind === 'webhook'
          ? kind.tool.parameters
          : (tools.definitions.find((d) => d.name === toolCall.name)?.parameters ?? {});
      const args = parseToolArguments(toolCall.arguments, schema);
      log.info({ tool: toolCall.name, valid: args.ok, pii: { arguments: toolCall.arguments } }, 'tool call');
      if (!args.ok) result = JSON.stringify({ error: args.error });
      else if (ending) result = JSON.stringify({ error: 'the call is already ending' });
      else if (kind.kind === 'end-call') {
        ending = { kind: 'hangup', reason: stringArg(args.value.reason) };
        result = JSON.stringify({ ok: true, note: 'the call ends after your goodbye' });
      } else if (kind.kind === 'transfer') {
        ending = { kind: 'transfer', to: kind.to, reason: stringArg(args.value.reason) };
        result = JSON.stringify({ ok: true, note: 'the caller is transferred after your words' });
      } else {
        const tool = kind.tool;
        result = await inChildSpan('tool.webhook', { 'gen_ai.tool.name': toolCall.name }, () =>
          callWebhook(tool, args.value, signal, log),
        );
      }
    }
    if (result === null || signal.aborted) {
      const cancelled = JSON.stringify({ error: 'cancelled: the caller spoke before the tool finished' });
      for (const unanswered of calls.slice(i)) history.addToolResult(unanswered.id, cancelled);
      return null;
    }
    history.addToolResult(toolCall.id, result);
  }
  return ending;
}

function stringArg(value: unknown): string {
  return typeof value === 'string' ? value.slice(0, 200) : '';
}
