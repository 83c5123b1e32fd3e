import type { AnyEvent, ReplySegment } from '@audexly/protocol';

/**
 * After a failover (TTS re-claimed), what the previous instance may have left unsaid: the reply
 * segments of the latest agent turn that the caller has not heard (no `playback.segment-played`),
 * unless that turn was interrupted. The gateway ignores audio of segments it already has in full,
 * so re-speaking one that was delivered but not yet played costs time, never a repeat.
 */
export function owedSegments(events: readonly AnyEvent[]): ReplySegment[] {
  const segments: ReplySegment[] = [];
  const played = new Set<string>();
  const interrupted = new Set<number>();
  for (const event of events) {
    if (event.type === 'reply.segment') segments.push(event);
    else if (event.type === 'playback.segment-played') played.add(`${event.turn}:${event.segment}`);
    else if (event.type === 'playback.interrupted' || event.type === 'control.interrupt') interrupted.add(event.turn);
  }
  const latest = Math.max(-1, ...segments.map((s) => s.turn));
  if (latest < 0 || interrupted.has(latest)) return [];
  const owed = new Map<number, ReplySegment>();
  for (const s of segments) if (s.turn === latest && !played.has(`${s.turn}:${s.segment}`)) owed.set(s.segment, s);
  return [...owed.values()].sort((a, b) => a.segment - b.segment);
}
