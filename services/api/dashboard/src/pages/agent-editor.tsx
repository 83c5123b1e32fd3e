import { useEffect, useState } from 'preact/hooks';
import { AGENT_TEXT_LIMITS, MAX_TTS_TEXT_CHARS, TTS_LANGUAGES, ttsModel } from '@audexly/protocol/catalogue';
import { agentRuleProblems } from '../../../src/fields/agent-rules.js';
import { problemAt, type FieldProblem } from '../../../src/fields/field-problem.js';
import { AGENT_LABELS } from '../../../src/fields/labels.js';
import { PHONE_EXAMPLE, PHONE_MAX_CHARS } from '../../../src/fields/phone.js';
import { api } from '../api.js';
import { NEW_AGENT, rulesInput, type Draft, type Section } from '../agent-draft.js';
import {
  Card,
  ErrorBox,
  Field,
  Loading,
  Notice,
  PageHeader,
  ProblemList,
  errorMessage,
  problemsOf,
} from '../components/ui.js';
import { TurnFields } from '../components/turn-fields.js';
import { SttFields, TtsFields, languageChoices, options } from '../components/voice-fields.js';
import { WebhookEditor, type WebhookDraft } from '../components/webhook-editor.js';
import { href, navigate } from '../router.js';
import type { AgentConfig, SampleRate } from '@audexly/protocol/api';
import { useApi } from '../use-api.js';

const PHRASES = ['apology', 'goodbye', 'idlePrompt', 'transfer', 'noCapacity'] as const;
const PHRASE_HINTS: Record<(typeof PHRASES)[number], string> = {
  apology: 'Said when a turn failed.',
  goodbye: 'Said before the agent hangs up.',
  idlePrompt: 'Said when the caller has been silent a while.',
  transfer: 'Said before handing the caller to a person.',
  noCapacity: 'Played when no line is free.',
};

/** Create (agentId null) or edit an agent. */
export function AgentEditorPage(props: { agentId: string | null }) {
  const existing = useApi<AgentConfig>(
    props.agentId === null ? null : `/api/v1/agents/${encodeURIComponent(props.agentId)}`,
  );
  const [draft, setDraft] = useState<Draft | null>(props.agentId === null ? NEW_AGENT : null);
  const [saving, setSaving] = useState(false);
  const [problems, setProblems] = useState<FieldProblem[]>([]);
  const [saved, setSaved] = useState(false);

  useEffect(() => {
    if (existing.data) setDraft(existing.data);
  }, [existing.data]);

  const back = { href: href('agents'), label: 'Agents' };
  const title = props.agentId === null ? 'New agent' : (draft?.name ?? 'Agent');
  if (existing.error) {
    return (
      <>
        <PageHeader title="Agent" back={back} />
        <ErrorBox error={existing.error} retry={existing.reload} />
      </>
    );
  }
  if (!draft) {
    return (
      <>
        <PageHeader title="Agent" back={back} />
        <Loading label="Loading the agent…" />
      </>
    );
  }

  /** Applies a change; the problems of the fields it touches are gone until the next save. */
  const change = (patch: Partial<Draft>, paths: string[]) => {
    setSaved(false);
    setProblems((current) =>
      current.filter(
        (p) => !paths.some((path) => p.path === path || p.path.startsWith(`${path}.`) || p.path.startsWith(`${path}[`)),
      ),
    );
    setDraft({ ...draft, ...patch });
  };
  const set = (patch: Partial<Draft>) => change(patch, Object.keys(patch));
  function setIn<K extends Section>(key: K, patch: Partial<NonNullable<Draft[K]>>) {
    change(
      { [key]: { ...(draft?.[key] ?? {}), ...patch } },
      Object.keys(patch).map((field) => `${key}.${field}`),
    );
  }
  const at = (path: string) => problemAt(problems, path);
  const label = (path: keyof typeof AGENT_LABELS, unit?: string) =>
    unit ? `${AGENT_LABELS[path]} (${unit})` : AGENT_LABELS[path];
  const llm = draft.llm ?? {};
  const turn = draft.turn ?? {};
  const tools = draft.tools ?? {};
  const limits = draft.limits ?? {};
  const dtmf = draft.dtmf ?? {};
  const spokenMax = ttsModel(draft.tts?.model ?? NEW_AGENT.tts.model)?.maxTextChars ?? MAX_TTS_TEXT_CHARS;

  const save = async (event: Event) => {
    event.preventDefault();
    setSaved(false);
    // The api's own rules, checked here first: a wrong setting is shown beside its field, not sent.
    const before = agentRuleProblems(rulesInput(draft));
    setProblems(before);
    if (before.length > 0) return;
    setSaving(true);
    const { id: _id, createdAt: _c, updatedAt: _u, ...body } = draft;
    try {
      if (props.agentId === null) {
        const created = await api.post<AgentConfig>('/api/v1/agents', body);
        navigate('agents', created.id);
      } else {
        setDraft(await api.put<AgentConfig>(`/api/v1/agents/${encodeURIComponent(props.agentId)}`, body));
        setSaved(true);
      }
    } catch (err) {
      setProblems(problemsOf(err));
    } finally {
      setSaving(false);
    }
  };

  const remove = async () => {
    if (props.agentId === null || !confirm(`Delete the agent “${draft.name}”?`)) return;
    try {
      await api.delete(`/api/v1/agents/${encodeURIComponent(props.agentId)}`);
      navigate('agents');
    } catch (err) {
      setProblems([{ path: '', message: errorMessage(err) }]);
    }
  };

  const num = (e: Event) => (e.currentTarget as HTMLInputElement).valueAsNumber;
  const seconds = (ms: number | undefined) => (ms === undefined ? '' : String(ms / 1000));

  return (
    <form onSubmit={(e) => void save(e)} class="editor">
      <PageHeader
        title={title || 'Untitled agent'}
        back={back}
        subtitle={
          props.agentId === null ? (
            'Fill in the basics; every other setting has a sensible default.'
          ) : (
            <span class="mono small">{props.agentId}</span>
          )
        }
        actions={
          <>
            {props.agentId !== null && (
              <button class="btn danger ghost" type="button" onClick={() => void remove()}>
                Delete
              </button>
            )}
            <button class="btn primary" type="submit" disabled={saving}>
              {saving ? 'Saving…' : props.agentId === null ? 'Create agent' : 'Save changes'}
            </button>
          </>
        }
      />
      <ProblemList problems={problems} />
      {saved && <Notice tone="success">Saved. New calls use these settings.</Notice>}

      <Card title="Basics">
        <div class="form-grid">
          <Field label={label('name')} error={at('name')}>
            <input
              class="input"
              name="name"
              required
              maxLength={AGENT_TEXT_LIMITS.name}
              value={draft.name}
              onInput={(e) => set({ name: e.currentTarget.value })}
            />
          </Field>
          <Field label={label('language')} hint="The conversation's main language." error={at('language')}>
            <select
              class="input"
              name="language"
              value={draft.language}
              onChange={(e) => set({ language: e.currentTarget.value })}
            >
              {options(languageChoices(TTS_LANGUAGES), draft.language)}
            </select>
          </Field>
          <Field
            label={label('sampleRate')}
            hint="Must match the rate set on the Exotel Voicebot applet."
            error={at('sampleRate')}
          >
            <select
              class="input"
              name="sampleRate"
              value={String(draft.sampleRate ?? 8000)}
              onChange={(e) => set({ sampleRate: Number(e.currentTarget.value) as SampleRate })}
            >
              <option value="8000">8 kHz (telephony)</option>
              <option value="16000">16 kHz</option>
              <option value="24000">24 kHz</option>
            </select>
          </Field>
          <Field
            label={label('greeting')}
            hint="Spoken as soon as the call connects; leave empty to wait for the caller."
            error={at('greeting')}
            wide
          >
            <input
              class="input"
              name="greeting"
              maxLength={spokenMax}
              value={draft.greeting ?? ''}
              onInput={(e) => set({ greeting: e.currentTarget.value })}
            />
          </Field>
          <Field
            label={label('prompt')}
            hint={
              <>
                System prompt. <code>{'{{caller}}'}</code>, <code>{'{{dialled}}'}</code> and <code>{'{{now}}'}</code>{' '}
                are filled in per call.
              </>
            }
            error={at('prompt')}
            wide
          >
            <textarea
              class="input"
              name="prompt"
              rows={7}
              required
              maxLength={AGENT_TEXT_LIMITS.prompt}
              value={draft.prompt}
              onInput={(e) => set({ prompt: e.currentTarget.value })}
            />
          </Field>
        </div>
      </Card>

      <div class="two-col">
        <SttFields stt={draft.stt ?? {}} problems={problems} onChange={(stt) => change({ stt }, ['stt'])} />
        <Card title="Language model (OpenAI)">
          <div class="form-grid">
            <Field label={label('llm.model')} error={at('llm.model')} wide>
              <input
                class="input"
                name="llm.model"
                list="llm-models"
                maxLength={AGENT_TEXT_LIMITS.llmModel}
                value={llm.model ?? ''}
                onInput={(e) => setIn('llm', { model: e.currentTarget.value })}
              />
              <datalist id="llm-models">
                {['gpt-4o-mini', 'gpt-4o', 'gpt-4.1-mini', 'gpt-4.1', 'gpt-4.1-nano'].map((m) => (
                  <option key={m} value={m} />
                ))}
              </datalist>
            </Field>
            <Field label={label('llm.temperature')} error={at('llm.temperature')}>
              <input
                class="input"
                type="number"
                min={0}
                max={2}
                step={0.1}
                value={llm.temperature ?? 0.3}
                onInput={(e) => setIn('llm', { temperature: num(e) })}
              />
            </Field>
            <Field label={label('llm.maxTokens')} error={at('llm.maxTokens')}>
              <input
                class="input"
                type="number"
                min={1}
                step={1}
                value={llm.maxTokens ?? 300}
                onInput={(e) => setIn('llm', { maxTokens: num(e) })}
              />
            </Field>
          </div>
        </Card>
      </div>

      <div class="two-col">
        <TtsFields tts={draft.tts ?? {}} problems={problems} onChange={(tts) => change({ tts }, ['tts'])} />
        <TurnFields turn={turn} problems={problems} onChange={(next) => change({ turn: next }, ['turn'])} />
      </div>

      <Card title="Tools">
        <div class="form-grid">
          <label class="check">
            <input
              type="checkbox"
              checked={tools.endCall ?? true}
              onChange={(e) => setIn('tools', { endCall: e.currentTarget.checked })}
            />
            <span>
              <strong>{label('tools.endCall')}</strong>
              <span class="muted"> — the agent may say goodbye and hang up</span>
            </span>
          </label>
          <Field
            label={label('tools.transferNumber')}
            hint="The agent may hand the caller to this number (any format; stored as +91…). Empty: no transfers."
            error={at('tools.transferNumber')}
          >
            <input
              class="input"
              type="tel"
              name="tools.transferNumber"
              placeholder={PHONE_EXAMPLE}
              maxLength={PHONE_MAX_CHARS}
              value={tools.transferNumber ?? ''}
              onInput={(e) =>
                setIn('tools', {
                  transferNumber: e.currentTarget.value.trim() === '' ? null : e.currentTarget.value.trim(),
                })
              }
            />
          </Field>
        </div>
        <WebhookEditor
          webhooks={(tools.webhooks ?? []) as WebhookDraft[]}
          problems={problems}
          onChange={(webhooks) => setIn('tools', { webhooks })}
        />
      </Card>

      <div class="two-col">
        <Card title="Limits">
          <div class="form-grid">
            <Field label={label('limits.idleRepromptMs', 's')} error={at('limits.idleRepromptMs')}>
              <input
                class="input"
                type="number"
                min={1}
                step={1}
                value={seconds(limits.idleRepromptMs ?? 8000)}
                onInput={(e) => setIn('limits', { idleRepromptMs: Math.round(num(e) * 1000) })}
              />
            </Field>
            <Field label={label('limits.idleHangupMs', 's')} error={at('limits.idleHangupMs')}>
              <input
                class="input"
                type="number"
                min={2}
                step={1}
                value={seconds(limits.idleHangupMs ?? 25_000)}
                onInput={(e) => setIn('limits', { idleHangupMs: Math.round(num(e) * 1000) })}
              />
            </Field>
            <Field
              label={label('limits.maxCallMs', 's')}
              hint="Exotel's own limit is 60 minutes."
              error={at('limits.maxCallMs')}
            >
              <input
                class="input"
                type="number"
                min={10}
                step={1}
                value={seconds(limits.maxCallMs ?? 1_800_000)}
                onInput={(e) => setIn('limits', { maxCallMs: Math.round(num(e) * 1000) })}
              />
            </Field>
          </div>
        </Card>
        <Card title="Keypad (DTMF)">
          <div class="form-grid">
            <Field label={label('dtmf.terminator')} error={at('dtmf.terminator')}>
              <select
                class="input"
                value={dtmf.terminator ?? '#'}
                onChange={(e) => setIn('dtmf', { terminator: e.currentTarget.value })}
              >
                <option value="#">#</option>
                <option value="*">*</option>
              </select>
            </Field>
            <Field label={label('dtmf.timeoutMs', 'ms')} error={at('dtmf.timeoutMs')}>
              <input
                class="input"
                type="number"
                min={500}
                max={30_000}
                step={100}
                value={dtmf.timeoutMs ?? 3000}
                onInput={(e) => setIn('dtmf', { timeoutMs: num(e) })}
              />
            </Field>
            <Field label={label('dtmf.maxDigits')} error={at('dtmf.maxDigits')}>
              <input
                class="input"
                type="number"
                min={1}
                max={64}
                step={1}
                value={dtmf.maxDigits ?? 20}
                onInput={(e) => setIn('dtmf', { maxDigits: num(e) })}
              />
            </Field>
          </div>
        </Card>
      </div>

      <Card title="Fixed phrases">
        <div class="form-grid">
          {PHRASES.map((key) => (
            <Field key={key} label={label(`phrases.${key}`)} hint={PHRASE_HINTS[key]} error={at(`phrases.${key}`)} wide>
              <input
                class="input"
                name={`phrases.${key}`}
                placeholder="Default"
                maxLength={spokenMax}
                value={draft.phrases?.[key] ?? ''}
                onInput={(e) =>
                  setIn('phrases', { [key]: e.currentTarget.value === '' ? undefined : e.currentTarget.value })
                }
              />
            </Field>
          ))}
        </div>
      </Card>

      <div class="form-footer">
        <button class="btn primary" type="submit" disabled={saving}>
          {saving ? 'Saving…' : props.agentId === null ? 'Create agent' : 'Save changes'}
        </button>
      </div>
    </form>
  );
}
