import type { LlmMessage } from '@audexly/providers';

type Entry = { role: 'system' | 'user'; content: string } | { role: 'assistant'; turn: number; segments: string[] };

/**
 * One call's conversation as the model sees it: the system prompt, the greeting (turn 0), then
 * user and assistant messages. An assistant turn is kept as its spoken segments, so that when the
 * caller barges in only what they actually heard stays in the history.
 */
export class ConversationHistory {
  private readonly entries: Entry[];
  /** Heard segments reported before the turn's text was recorded. */
  private readonly heard = new Map<number, number[]>();

  constructor(systemPrompt: string) {
    this.entries = [{ role: 'system', content: systemPrompt }];
  }

  addUser(text: string): void {
    this.entries.push({ role: 'user', content: text });
  }

  /** Records what the agent said in a turn, segment by segment. */
  addAssistant(turn: number, segments: string[]): void {
    if (segments.length === 0) return;
    const heard = this.heard.get(turn);
    this.heard.delete(turn);
    this.entries.push({ role: 'assistant', turn, segments: heard ? keep(segments, heard) : [...segments] });
  }

  /** The caller interrupted `turn` having heard only `heardSegments` in full: forget the rest. */
  keepHeard(turn: number, heardSegments: number[]): void {
    const entry = this.entries.find((e) => e.role === 'assistant' && e.turn === turn);
    if (entry?.role === 'assistant') entry.segments = keep(entry.segments, heardSegments);
    else this.heard.set(turn, heardSegments);
  }

  /** A copy of the messages to send to the model. */
  messages(): LlmMessage[] {
    const out: LlmMessage[] = [];
    for (const e of this.entries) {
      if (e.role !== 'assistant') out.push({ role: e.role, content: e.content });
      else {
        const content = e.segments.filter((s) => s !== '').join(' ');
        if (content) out.push({ role: 'assistant', content });
      }
    }
    return out;
  }
}

/** Segments not heard become empty, so indexes stay stable for a later report. */
function keep(segments: string[], heard: number[]): string[] {
  return segments.map((s, i) => (heard.includes(i) ? s : ''));
}
