import { problemAt, type FieldProblem } from '../../../src/fields/field-problem.js';
import { AGENT_LABELS } from '../../../src/fields/labels.js';
import { NEW_AGENT, type Draft } from '../agent-draft.js';
import { Card, Field } from './ui.js';

type Turn = NonNullable<Draft['turn']>;
type Completeness = NonNullable<Turn['completeness']>;

const label = (path: keyof typeof AGENT_LABELS, unit?: string) =>
  unit ? `${AGENT_LABELS[path]} (${unit})` : AGENT_LABELS[path];
const num = (e: Event) => (e.currentTarget as HTMLInputElement).valueAsNumber;

/** Turn-taking: when the caller's turn ends, whether the answer starts at a pause, and barge-in. */
export function TurnFields(props: { turn: Turn; problems: readonly FieldProblem[]; onChange: (turn: Turn) => void }) {
  const { turn } = props;
  const completeness = turn.completeness ?? {};
  const at = (path: string) => problemAt(props.problems, path);
  const set = (patch: Partial<Turn>) => props.onChange({ ...turn, ...patch });
  const setCompleteness = (patch: Partial<Completeness>) => set({ completeness: { ...completeness, ...patch } });
  return (
    <Card title="Turn-taking">
      <div class="form-grid">
        <Field label={label('turn.endOfTurnSilenceMs', 'ms')} error={at('turn.endOfTurnSilenceMs')}>
          <input
            class="input"
            type="number"
            name="turn.endOfTurnSilenceMs"
            min={100}
            max={5000}
            step={50}
            value={turn.endOfTurnSilenceMs ?? 500}
            onInput={(e) => set({ endOfTurnSilenceMs: num(e) })}
          />
        </Field>
        <Field label={label('turn.minSpeechMs', 'ms')} hint="Shorter sounds are noise." error={at('turn.minSpeechMs')}>
          <input
            class="input"
            type="number"
            name="turn.minSpeechMs"
            min={0}
            max={2000}
            step={10}
            value={turn.minSpeechMs ?? 200}
            onInput={(e) => set({ minSpeechMs: num(e) })}
          />
        </Field>
        <label class="check wide">
          <input
            type="checkbox"
            name="turn.completeness.enabled"
            checked={completeness.enabled ?? false}
            onChange={(e) => setCompleteness({ enabled: e.currentTarget.checked })}
          />
          <span>
            <strong>{label('turn.completeness.enabled')}</strong>
            <span class="muted">
              {' '}
              — a finished sentence ends the turn sooner ({completeness.minSilenceMs ?? 300} ms), an unfinished one (“my
              number is…”) waits longer ({completeness.maxSilenceMs ?? 1200} ms)
            </span>
          </span>
        </label>
        <label class="check wide">
          <input
            type="checkbox"
            name="turn.speculate"
            checked={turn.speculate ?? NEW_AGENT.turn.speculate}
            onChange={(e) => set({ speculate: e.currentTarget.checked })}
          />
          <span>
            <strong>{label('turn.speculate')}</strong>
            <span class="muted">
              {' '}
              — the model starts on what was said at the pause below; nothing of it is heard unless the turn ends there.
              Costs one extra request when the caller speaks on
            </span>
          </span>
        </label>
        {(turn.speculate ?? NEW_AGENT.turn.speculate) && (
          <label class="check wide">
            <input
              type="checkbox"
              name="turn.speculateTts"
              checked={turn.speculateTts ?? NEW_AGENT.turn.speculateTts}
              onChange={(e) => set({ speculateTts: e.currentTarget.checked })}
            />
            <span>
              <strong>{label('turn.speculateTts')}</strong>
              <span class="muted">
                {' '}
                — its audio is ready when the turn ends. Costs that sentence's speech characters when the caller speaks
                on
              </span>
            </span>
          </label>
        )}
        <Field
          label={label('turn.completeness.probeSilenceMs', 'ms')}
          hint="Where both settings above look at what was said so far."
          error={at('turn.completeness.probeSilenceMs')}
        >
          <input
            class="input"
            type="number"
            name="turn.completeness.probeSilenceMs"
            min={100}
            max={1000}
            step={10}
            value={completeness.probeSilenceMs ?? NEW_AGENT.turn.completeness.probeSilenceMs}
            onInput={(e) => setCompleteness({ probeSilenceMs: num(e) })}
          />
        </Field>
        <label class="check wide">
          <input
            type="checkbox"
            checked={turn.bargeIn ?? true}
            onChange={(e) => set({ bargeIn: e.currentTarget.checked })}
          />
          <span>
            <strong>{label('turn.bargeIn')}</strong>
            <span class="muted"> — the caller can interrupt the agent</span>
          </span>
        </label>
        <Field
          label={label('turn.bargeInMode')}
          hint="Pause: the agent pauses at the caller's first sound and goes on after “ok”, “haan” or a cough."
          error={at('turn.bargeInMode')}
        >
          <select
            class="input"
            name="turn.bargeInMode"
            value={turn.bargeInMode ?? 'clear'}
            onChange={(e) => set({ bargeInMode: e.currentTarget.value === 'pause' ? 'pause' : 'clear' })}
          >
            <option value="clear">Stop at once</option>
            <option value="pause">Pause, then decide by the words</option>
          </select>
        </Field>
        {turn.bargeInMode === 'pause' && (
          <Field
            label={label('turn.resumeFrom')}
            hint="Where the agent picks up after “ok”, “haan” or a cough."
            error={at('turn.resumeFrom')}
          >
            <select
              class="input"
              name="turn.resumeFrom"
              value={turn.resumeFrom ?? 'pause'}
              onChange={(e) => set({ resumeFrom: e.currentTarget.value === 'sentence' ? 'sentence' : 'pause' })}
            >
              <option value="pause">Where it paused</option>
              <option value="sentence">The start of its sentence</option>
            </select>
          </Field>
        )}
      </div>
    </Card>
  );
}
