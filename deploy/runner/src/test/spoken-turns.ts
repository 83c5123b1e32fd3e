import { fixtureWords, loadSpeechFixture, type SpeechFixtureName } from '@audexly/testing';
import type { FakeOpenAI } from '@audexly/testing';

/** One caller turn made of recordings, with the words it says. */
export interface SpokenTurn {
  audio: { pcm: Buffer; sampleRate: number; name: string };
  text: string;
}

/** Kept around the words where recordings are joined: the rest of their leading/trailing silence goes. */
const EDGE_MS = 60;

/**
 * Recordings said one after another in one turn, with `pauseMs` of silence between the last word of
 * one and the first word of the next (their own silence at the join is trimmed to {@link EDGE_MS}).
 */
export async function spokenTurn(rate: 8000 | 16000, names: SpeechFixtureName[], pauseMs = 0): Promise<SpokenTurn> {
  const bytesAt = (ms: number) => Math.max(0, Math.round((ms * rate) / 1000)) * 2;
  const parts: Buffer[] = [];
  for (const [i, name] of names.entries()) {
    const { pcm } = await loadSpeechFixture(name, rate);
    const { words } = fixtureWords(name);
    const from = i > 0 ? bytesAt(words[0]!.startMs - EDGE_MS) : 0;
    const to = i < names.length - 1 ? Math.min(pcm.byteLength, bytesAt(words.at(-1)!.endMs + EDGE_MS)) : pcm.byteLength;
    if (i > 0) parts.push(Buffer.alloc(bytesAt(Math.max(0, pauseMs - 2 * EDGE_MS))));
    parts.push(pcm.subarray(from, to));
  }
  return {
    audio: { pcm: Buffer.concat(parts), sampleRate: rate, name: names.join('+') },
    text: names.map((n) => fixtureWords(n).text).join(' '),
  };
}

/**
 * The caller's messages as the model last saw them in one call (the conversation's history),
 * picked out by a marker in the call's system prompt (e.g. the caller's number through
 * `{{caller}}`).
 */
export function userMessagesOf(openai: FakeOpenAI, marker: string): string[] {
  const requests = openai.requests.filter((r) => {
    const messages = r.body.messages as { role: string; content?: unknown }[] | undefined;
    return messages?.some((m) => m.role === 'system' && typeof m.content === 'string' && m.content.includes(marker));
  });
  const last = requests.at(-1)?.body.messages as { role: string; content?: unknown }[] | undefined;
  return (last ?? [])
    .filter((m) => m.role === 'user')
    .map((m) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content)));
}
