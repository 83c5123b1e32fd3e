import { useEffect, useRef } from 'preact/hooks';
import { clock } from '../format.js';
import type { TranscriptLine } from '@audexly/protocol/api';

/** The line being heard at `positionMs`: the last one that started at or before it. */
export function activeLine(lines: TranscriptLine[], positionMs: number | null): number {
  if (positionMs === null) return -1;
  let active = -1;
  lines.forEach((line, i) => {
    if (line.timelineMs <= positionMs + 50) active = i;
  });
  return active;
}

/** The transcript, following the player: the line being heard is highlighted, a click plays from it. */
export function Transcript(props: {
  lines: TranscriptLine[];
  positionMs: number | null;
  onSeek: ((ms: number) => void) | undefined;
}) {
  const active = activeLine(props.lines, props.positionMs);
  const list = useRef<HTMLOListElement>(null);

  useEffect(() => {
    const container = list.current;
    const item = container?.children[active] as HTMLElement | undefined;
    if (!container || !item) return;
    // Keep the highlighted line in view without scrolling the page.
    const top = item.offsetTop - container.offsetTop;
    if (top < container.scrollTop || top + item.offsetHeight > container.scrollTop + container.clientHeight) {
      container.scrollTo({ top: Math.max(0, top - 24), behavior: 'smooth' });
    }
  }, [active]);

  return (
    <ol class="transcript" ref={list} data-testid="transcript">
      {props.lines.map((line, i) => (
        <li
          key={i}
          class={`line ${line.role}${i === active ? ' active' : ''}${props.onSeek ? ' seekable' : ''}`}
          aria-current={i === active ? 'true' : undefined}
          onClick={props.onSeek ? () => props.onSeek?.(line.timelineMs) : undefined}
          title={props.onSeek ? 'Play from here' : undefined}
        >
          <span class="line-time mono">{clock(line.timelineMs)}</span>
          <span class="line-role">{line.role === 'caller' ? 'Caller' : 'Agent'}</span>
          <span class="line-text">
            {line.text}
            {line.interrupted && <span class="interrupted"> — interrupted</span>}
          </span>
        </li>
      ))}
    </ol>
  );
}
