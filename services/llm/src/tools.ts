import type { AgentConfig } from '@audexly/protocol';
import type { LlmTool } from '@audexly/providers';

/** Built-in tool names (webhook tools may not reuse them). */
export const END_CALL = 'end_call';
export const TRANSFER_CALL = 'transfer_call';

export type WebhookTool = AgentConfig['tools']['webhooks'][number];

/** What a tool call the model made turns into. */
export type ToolKind = { kind: 'end-call' } | { kind: 'transfer'; to: string } | { kind: 'webhook'; tool: WebhookTool };

/**
 * The tools one agent offers the model (OpenAI function tools): `end_call` when `tools.endCall`,
 * `transfer_call` when `tools.transferNumber` is set, and each webhook tool.
 */
export class AgentTools {
  readonly definitions: LlmTool[] = [];
  private readonly byName = new Map<string, ToolKind>();

  constructor(agent: AgentConfig) {
    const { tools } = agent;
    if (tools.endCall) {
      this.add(
        { kind: 'end-call' },
        {
          name: END_CALL,
          description:
            'End the phone call. Use it when the caller says goodbye or the conversation is complete. Say a short goodbye in the same reply.',
          parameters: {
            type: 'object',
            properties: { reason: { type: 'string', description: 'Why the call ends, in a few words' } },
          },
        },
      );
    }
    if (tools.transferNumber) {
      this.add(
        { kind: 'transfer', to: tools.transferNumber },
        {
          name: TRANSFER_CALL,
          description: 'Transfer the caller to a human colleague, when they ask for a person or you cannot help.',
          parameters: {
            type: 'object',
            properties: { reason: { type: 'string', description: 'Why the caller is transferred, for the colleague' } },
            required: ['reason'],
          },
        },
      );
    }
    for (const tool of tools.webhooks) {
      if (this.byName.has(tool.name)) continue;
      this.add(
        { kind: 'webhook', tool },
        { name: tool.name, description: tool.description, parameters: tool.parameters },
      );
    }
  }

  kindOf(name: string): ToolKind | undefined {
    return this.byName.get(name);
  }

  private add(kind: ToolKind, definition: LlmTool): void {
    this.byName.set(definition.name, kind);
    this.definitions.push(definition);
  }
}
