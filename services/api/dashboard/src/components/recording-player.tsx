import { useEffect, useRef, useState } from 'preact/hooks';
import { recordingUrl } from '../api.js';
import { clock } from '../format.js';
import type { CallRecord } from '@audexly/protocol/api';
import { ErrorBox, Loading } from './ui.js';

/**
 * The call's stereo recording (caller left, agent right) with a timeline of who spoke when. The
 * recording starts at timeline 0, so its current time is the call timeline position.
 */
export function RecordingPlayer(props: {
  callId: string;
  call: CallRecord;
  seekTo: { ms: number } | null;
  onPosition: (ms: number | null) => void;
}) {
  const audio = useRef<HTMLAudioElement>(null);
  const [src, setSrc] = useState<string | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [positionMs, setPositionMs] = useState(0);
  const { onPosition } = props;

  useEffect(() => {
    const controller = new AbortController();
    let revoke = () => undefined as void;
    recordingUrl(props.callId, controller.signal).then(
      (result) => {
        revoke = result.revoke;
        setSrc(result.url);
      },
      (err: unknown) => {
        if (!controller.signal.aborted) setError(err instanceof Error ? err : new Error(String(err)));
      },
    );
    return () => {
      controller.abort();
      revoke();
    };
  }, [props.callId]);

  useEffect(() => {
    const element = audio.current;
    if (!props.seekTo || !element) return;
    element.currentTime = props.seekTo.ms / 1000;
    setPositionMs(props.seekTo.ms);
    onPosition(props.seekTo.ms);
    void element.play().catch(() => undefined);
  }, [props.seekTo, onPosition]);

  if (error) return <ErrorBox error={error} />;
  const total = Math.max(props.call.recording?.durationMs ?? 0, props.call.durationMs, 1);
  const update = () => {
    const ms = (audio.current?.currentTime ?? 0) * 1000;
    setPositionMs(ms);
    onPosition(ms);
  };
  const lanes = segments(props.call, total);

  return (
    <div class="player">
      {src ? (
        <audio
          ref={audio}
          src={src}
          controls
          preload="auto"
          onTimeUpdate={update}
          onSeeked={update}
          data-testid="recording"
        />
      ) : (
        <Loading label="Loading the recording…" />
      )}
      <div
        class="timeline"
        title="Click to play from here"
        onClick={(e) => {
          const box = e.currentTarget.getBoundingClientRect();
          const ms = ((e.clientX - box.left) / box.width) * total;
          if (audio.current) {
            audio.current.currentTime = ms / 1000;
            void audio.current.play().catch(() => undefined);
          }
        }}
      >
        {(['caller', 'agent'] as const).map((role) => (
          <div key={role} class={`lane ${role}`}>
            <span class="lane-label">{role === 'caller' ? 'Caller' : 'Agent'}</span>
            {lanes
              .filter((s) => s.role === role)
              .map((s, i) => (
                <span key={i} class="segment" style={{ left: `${s.left}%`, width: `${s.width}%` }} />
              ))}
          </div>
        ))}
        <span class="playhead" style={{ left: `${Math.min(100, (positionMs / total) * 100)}%` }} />
      </div>
      <div class="timeline-scale muted small">
        <span>0:00</span>
        <span>{clock(total)}</span>
      </div>
    </div>
  );
}

/** Who spoke when, as % of the call: caller lines end at their speech end, agent lines at the next line. */
function segments(call: CallRecord, total: number): { role: 'caller' | 'agent'; left: number; width: number }[] {
  const lines = call.transcript;
  return lines.map((line, i) => {
    const next = lines[i + 1]?.timelineMs ?? total;
    const turn = call.turns.find((t) => t.turn === line.turn);
    const end = line.role === 'caller' && turn?.speechEndMs != null ? turn.speechEndMs : next;
    const start = line.timelineMs;
    return {
      role: line.role,
      left: (start / total) * 100,
      width: Math.max(0.6, ((Math.max(end, start) - start) / total) * 100),
    };
  });
}
