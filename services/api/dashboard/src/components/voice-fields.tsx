import { LANGUAGE_NAMES, STT_MODELS, TTS_LANGUAGES, TTS_MODELS, sttModel, ttsModel } from '@audexly/protocol/catalogue';
import { problemAt, type FieldProblem } from '../../../src/fields/field-problem.js';
import { AGENT_LABELS } from '../../../src/fields/labels.js';
import { NEW_AGENT, withSttModel, withTtsModel, type Draft } from '../agent-draft.js';
import { Card, Field } from './ui.js';

type Stt = NonNullable<Draft['stt']>;
type Tts = NonNullable<Draft['tts']>;

/** Options for a select: the catalogue's choices, plus the current value when it is not one of them (so it shows, and its problem with it). */
export function options(list: readonly (readonly [string, string])[], current: string | undefined) {
  const all =
    current !== undefined && !list.some(([value]) => value === current)
      ? [...list, [current, `${current} (not available)`] as const]
      : list;
  return all.map(([value, label]) => (
    <option key={value} value={value}>
      {label}
    </option>
  ));
}

export const languageChoices = (codes: readonly string[]) =>
  codes.map((code) => [code, LANGUAGE_NAMES[code] ?? code] as const);
const modelChoices = (models: readonly { id: string; legacy: boolean }[]) =>
  models.map((m) => [m.id, m.legacy ? `${m.id} (legacy)` : m.id] as const);
const capitalised = (name: string) => name.charAt(0).toUpperCase() + name.slice(1);

/** Speech recognition: the model, and only the languages that model transcribes. */
export function SttFields(props: { stt: Stt; problems: readonly FieldProblem[]; onChange: (stt: Stt) => void }) {
  const model = props.stt.model ?? NEW_AGENT.stt.model;
  const languages = sttModel(model)?.languages ?? [];
  return (
    <Card title="Speech recognition (Sarvam)">
      <div class="form-grid">
        <Field label={AGENT_LABELS['stt.model']} error={problemAt(props.problems, 'stt.model')}>
          <select
            class="input"
            name="stt.model"
            value={model}
            onChange={(e) => props.onChange(withSttModel(props.stt, e.currentTarget.value))}
          >
            {options(modelChoices(STT_MODELS), model)}
          </select>
        </Field>
        <Field label={AGENT_LABELS['stt.language']} error={problemAt(props.problems, 'stt.language')}>
          <select
            class="input"
            name="stt.language"
            value={props.stt.language ?? NEW_AGENT.stt.language}
            onChange={(e) => props.onChange({ ...props.stt, language: e.currentTarget.value })}
          >
            {options(languageChoices(languages), props.stt.language)}
          </select>
        </Field>
      </div>
    </Card>
  );
}

/** The voice: the model, and only that model's speakers and pace range. */
export function TtsFields(props: { tts: Tts; problems: readonly FieldProblem[]; onChange: (tts: Tts) => void }) {
  const model = props.tts.model ?? NEW_AGENT.tts.model;
  const info = ttsModel(model);
  const speakers = (info?.speakers ?? []).map((s) => [s, capitalised(s)] as const);
  const pace = info?.pace;
  return (
    <Card title="Voice (Sarvam)">
      <div class="form-grid">
        <Field label={AGENT_LABELS['tts.model']} error={problemAt(props.problems, 'tts.model')}>
          <select
            class="input"
            name="tts.model"
            value={model}
            onChange={(e) => props.onChange(withTtsModel(props.tts, e.currentTarget.value))}
          >
            {options(modelChoices(TTS_MODELS), model)}
          </select>
        </Field>
        <Field label={AGENT_LABELS['tts.speaker']} error={problemAt(props.problems, 'tts.speaker')}>
          <select
            class="input"
            name="tts.speaker"
            value={props.tts.speaker ?? ''}
            onChange={(e) => props.onChange({ ...props.tts, speaker: e.currentTarget.value })}
          >
            {options(speakers, props.tts.speaker)}
          </select>
        </Field>
        <Field label={AGENT_LABELS['tts.language']} error={problemAt(props.problems, 'tts.language')}>
          <select
            class="input"
            name="tts.language"
            value={props.tts.language ?? NEW_AGENT.tts.language}
            onChange={(e) => props.onChange({ ...props.tts, language: e.currentTarget.value })}
          >
            {options(languageChoices(TTS_LANGUAGES), props.tts.language)}
          </select>
        </Field>
        <Field
          label={AGENT_LABELS['tts.pace']}
          hint={pace && `${pace.min} to ${pace.max}`}
          error={problemAt(props.problems, 'tts.pace')}
        >
          <input
            class="input"
            type="number"
            name="tts.pace"
            min={pace?.min}
            max={pace?.max}
            step={0.05}
            value={props.tts.pace ?? NEW_AGENT.tts.pace}
            onInput={(e) => props.onChange({ ...props.tts, pace: e.currentTarget.valueAsNumber })}
          />
        </Field>
      </div>
    </Card>
  );
}
