import type { LlmMessage, LlmToolCall } from '@audexly/providers';

type Entry =
  | { kind: 'text'; role: 'system' | 'user'; content: string }
  | { kind: 'spoken'; turn: number; segments: Map<number, string> }
  | { kind: 'tool-calls'; calls: LlmToolCall[] }
  | { kind: 'tool-result'; toolCallId: string; content: string };

/**
 * One call's conversation as the model sees it: the system prompt, then user inputs, what the agent
 * said (kept segment by segment, per turn) and tool calls with their results. When the caller barges
 * in, only the segments they heard in full stay: a turn reported interrupted keeps exactly its heard
 * segments, whether they were recorded before or after the report.
 */
export class ConversationHistory {
  private readonly entries: Entry[];
  /** Interrupted turns → the segments the caller heard. */
  private readonly heard = new Map<number, Set<number>>();

  constructor(systemPrompt: string) {
    this.entries = [{ kind: 'text', role: 'system', content: systemPrompt }];
  }

  addUser(text: string): void {
    this.entries.push({ kind: 'text', role: 'user', content: text });
  }

  /** A segment the agent said (published to TTS) in `turn`. Consecutive segments of a turn form one message. */
  addSpoken(turn: number, segment: number, text: string): void {
    const last = this.entries.at(-1);
    if (last?.kind === 'spoken' && last.turn === turn) last.segments.set(segment, text);
    else this.entries.push({ kind: 'spoken', turn, segments: new Map([[segment, text]]) });
  }

  /** The model asked for tools; their results follow with {@link addToolResult}. */
  addToolCalls(calls: LlmToolCall[]): void {
    this.entries.push({ kind: 'tool-calls', calls: calls.map((c) => ({ ...c })) });
  }

  addToolResult(toolCallId: string, content: string): void {
    this.entries.push({ kind: 'tool-result', toolCallId, content });
  }

  /** The caller interrupted `turn` having heard only `heardSegments` in full: forget the rest of it. */
  keepHeard(turn: number, heardSegments: readonly number[]): void {
    const set = this.heard.get(turn) ?? new Set<number>();
    for (const s of heardSegments) set.add(s);
    this.heard.set(turn, set);
  }

  /** A copy of the messages to send to the model. */
  messages(): LlmMessage[] {
    const out: LlmMessage[] = [];
    for (const e of this.entries) {
      switch (e.kind) {
        case 'text':
          out.push({ role: e.role, content: e.content });
          break;
        case 'spoken': {
          const heard = this.heard.get(e.turn);
          const content = [...e.segments.entries()]
            .sort(([a], [b]) => a - b)
            .filter(([segment]) => !heard || heard.has(segment))
            .map(([, text]) => text)
            .join(' ');
          if (content) out.push({ role: 'assistant', content });
          break;
        }
        case 'tool-calls':
          out.push({ role: 'assistant', content: null, toolCalls: e.calls.map((c) => ({ ...c })) });
          break;
        case 'tool-result':
          out.push({ role: 'tool', toolCallId: e.toolCallId, content: e.content });
          break;
      }
    }
    return out;
  }
}
