import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { Card, ErrorBox, Field, Loading, Notice, PageHeader, errorMessage } from '../components/ui.js';
import { WebhookEditor, type WebhookDraft } from '../components/webhook-editor.js';
import { href, navigate } from '../router.js';
import type { AgentConfig, AgentConfigInput } from '../types.js';
import { useApi } from '../use-api.js';

/** The agent being edited: what the api takes (every field optional but name and prompt). */
type Draft = Omit<AgentConfigInput, 'id'> & { id?: string; createdAt?: string; updatedAt?: string };
type Section = 'stt' | 'llm' | 'tts' | 'turn' | 'tools' | 'dtmf' | 'limits' | 'phrases';

/** What a new agent starts with (the protocol's defaults; the api fills any left out). */
const NEW_AGENT: Draft = {
  name: '',
  prompt: 'You are a friendly phone assistant for {{business}}. Keep answers short: one or two sentences.',
  greeting: 'Namaste! Thank you for calling. How can I help you today?',
  language: 'en-IN',
  sampleRate: 8000,
  stt: { provider: 'sarvam', model: 'saarika:v2.5', language: 'en-IN' },
  llm: { provider: 'openai', model: 'gpt-4o-mini', temperature: 0.3, maxTokens: 300 },
  tts: { provider: 'sarvam', model: 'bulbul:v2', speaker: 'anushka', language: 'en-IN', pace: 1 },
  turn: { endOfTurnSilenceMs: 500, minSpeechMs: 200, bargeIn: true },
  tools: { endCall: true, transferNumber: null, webhooks: [] },
  dtmf: { terminator: '#', timeoutMs: 3000, maxDigits: 20 },
  limits: { idleRepromptMs: 8000, idleHangupMs: 25_000, maxCallMs: 1_800_000 },
};

const LANGUAGES: [string, string][] = [
  ['en-IN', 'English (India)'],
  ['hi-IN', 'Hindi'],
  ['bn-IN', 'Bengali'],
  ['gu-IN', 'Gujarati'],
  ['kn-IN', 'Kannada'],
  ['ml-IN', 'Malayalam'],
  ['mr-IN', 'Marathi'],
  ['od-IN', 'Odia'],
  ['pa-IN', 'Punjabi'],
  ['ta-IN', 'Tamil'],
  ['te-IN', 'Telugu'],
];
const SPEAKERS: Record<string, string[]> = {
  'bulbul:v2': ['anushka', 'manisha', 'vidya', 'arya', 'abhilash', 'karun', 'hitesh'],
  'bulbul:v3': ['anushka', 'manisha', 'vidya', 'arya', 'abhilash', 'karun', 'hitesh'],
};
const PHRASE_LABELS: Record<string, string> = {
  apology: 'Apology (a turn failed)',
  goodbye: 'Goodbye',
  idlePrompt: 'Idle re-prompt',
  transfer: 'Before a transfer',
  noCapacity: 'No capacity',
};

/** Create (agentId null) or edit an agent. */
export function AgentEditorPage(props: { agentId: string | null }) {
  const existing = useApi<AgentConfig>(props.agentId === null ? null : `/api/v1/agents/${encodeURIComponent(props.agentId)}`);
  const [draft, setDraft] = useState<Draft | null>(props.agentId === null ? NEW_AGENT : null);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
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

  const set = (patch: Partial<Draft>) => {
    setSaved(false);
    setDraft({ ...draft, ...patch });
  };
  function setIn<K extends Section>(key: K, patch: Partial<NonNullable<Draft[K]>>) {
    set({ [key]: { ...(draft?.[key] ?? {}), ...patch } });
  }
  const stt = draft.stt ?? {};
  const llm = draft.llm ?? {};
  const tts = draft.tts ?? {};
  const turn = draft.turn ?? {};
  const tools = draft.tools ?? {};
  const limits = draft.limits ?? {};
  const dtmf = draft.dtmf ?? {};

  const save = async (event: Event) => {
    event.preventDefault();
    setSaving(true);
    setError(null);
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
      setError(errorMessage(err));
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
      setError(errorMessage(err));
    }
  };

  const num = (e: Event) => (e.currentTarget as HTMLInputElement).valueAsNumber;
  const seconds = (ms: number | undefined) => (ms === undefined ? '' : String(ms / 1000));

  return (
    <form onSubmit={(e) => void save(e)} class="editor">
      <PageHeader
        title={title || 'Untitled agent'}
        back={back}
        subtitle={props.agentId === null ? 'Fill in the basics; every other setting has a sensible default.' : <span class="mono small">{props.agentId}</span>}
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
      {error && <Notice tone="error">{error}</Notice>}
      {saved && <Notice tone="success">Saved. New calls use these settings.</Notice>}

      <Card title="Basics">
        <div class="form-grid">
          <Field label="Name">
            <input class="input" name="name" required value={draft.name} onInput={(e) => set({ name: e.currentTarget.value })} />
          </Field>
          <Field label="Language" hint="The conversation's main language.">
            <select class="input" name="language" value={draft.language} onChange={(e) => set({ language: e.currentTarget.value })}>
              {options(LANGUAGES, draft.language)}
            </select>
          </Field>
          <Field label="Sample rate" hint="Must match the rate set on the Exotel Voicebot applet.">
            <select class="input" name="sampleRate" value={String(draft.sampleRate ?? 8000)} onChange={(e) => set({ sampleRate: Number(e.currentTarget.value) as 8000 | 16000 | 24000 })}>
              <option value="8000">8 kHz (telephony)</option>
              <option value="16000">16 kHz</option>
              <option value="24000">24 kHz</option>
            </select>
          </Field>
          <Field label="Greeting" hint="Spoken as soon as the call connects; leave empty to wait for the caller." wide>
            <input class="input" name="greeting" value={draft.greeting ?? ''} onInput={(e) => set({ greeting: e.currentTarget.value })} />
          </Field>
          <Field label="Prompt" hint={<>System prompt. <code>{'{{caller}}'}</code>, <code>{'{{dialled}}'}</code> and <code>{'{{now}}'}</code> are filled in per call.</>} wide>
            <textarea class="input" name="prompt" rows={7} required value={draft.prompt} onInput={(e) => set({ prompt: e.currentTarget.value })} />
          </Field>
        </div>
      </Card>

      <div class="two-col">
        <Card title="Speech recognition (Sarvam)">
          <div class="form-grid">
            <Field label="Model">
              <select class="input" value={stt.model ?? 'saarika:v2.5'} onChange={(e) => setIn('stt', { model: e.currentTarget.value })}>
                {options([['saarika:v2.5', 'saarika:v2.5'], ['saaras:v3', 'saaras:v3']], stt.model)}
              </select>
            </Field>
            <Field label="Language">
              <select class="input" value={stt.language ?? 'en-IN'} onChange={(e) => setIn('stt', { language: e.currentTarget.value })}>
                {options([['unknown', 'Detect automatically'], ...LANGUAGES], stt.language)}
              </select>
            </Field>
          </div>
        </Card>
        <Card title="Language model (OpenAI)">
          <div class="form-grid">
            <Field label="Model" wide>
              <input class="input" list="llm-models" value={llm.model ?? ''} onInput={(e) => setIn('llm', { model: e.currentTarget.value })} />
              <datalist id="llm-models">
                {['gpt-4o-mini', 'gpt-4o', 'gpt-4.1-mini', 'gpt-4.1', 'gpt-4.1-nano'].map((m) => (
                  <option key={m} value={m} />
                ))}
              </datalist>
            </Field>
            <Field label="Temperature">
              <input class="input" type="number" min={0} max={2} step={0.1} value={llm.temperature ?? 0.3} onInput={(e) => setIn('llm', { temperature: num(e) })} />
            </Field>
            <Field label="Max tokens per reply">
              <input class="input" type="number" min={1} step={1} value={llm.maxTokens ?? 300} onInput={(e) => setIn('llm', { maxTokens: num(e) })} />
            </Field>
          </div>
        </Card>
      </div>

      <div class="two-col">
        <Card title="Voice (Sarvam)">
          <div class="form-grid">
            <Field label="Model">
              <select class="input" value={tts.model ?? 'bulbul:v2'} onChange={(e) => setIn('tts', { model: e.currentTarget.value })}>
                {options([['bulbul:v2', 'bulbul:v2'], ['bulbul:v3', 'bulbul:v3']], tts.model)}
              </select>
            </Field>
            <Field label="Speaker">
              <input class="input" list="tts-speakers" value={tts.speaker ?? ''} onInput={(e) => setIn('tts', { speaker: e.currentTarget.value })} />
              <datalist id="tts-speakers">
                {(SPEAKERS[tts.model ?? 'bulbul:v2'] ?? []).map((s) => (
                  <option key={s} value={s} />
                ))}
              </datalist>
            </Field>
            <Field label="Language">
              <select class="input" value={tts.language ?? 'en-IN'} onChange={(e) => setIn('tts', { language: e.currentTarget.value })}>
                {options(LANGUAGES, tts.language)}
              </select>
            </Field>
            <Field label="Pace">
              <input class="input" type="number" min={0.3} max={3} step={0.05} value={tts.pace ?? 1} onInput={(e) => setIn('tts', { pace: num(e) })} />
            </Field>
          </div>
        </Card>
        <Card title="Turn-taking">
          <div class="form-grid">
            <Field label="End of turn after silence (ms)">
              <input class="input" type="number" min={100} max={5000} step={50} value={turn.endOfTurnSilenceMs ?? 500} onInput={(e) => setIn('turn', { endOfTurnSilenceMs: num(e) })} />
            </Field>
            <Field label="Shortest speech (ms)" hint="Shorter sounds are noise.">
              <input class="input" type="number" min={0} max={2000} step={10} value={turn.minSpeechMs ?? 200} onInput={(e) => setIn('turn', { minSpeechMs: num(e) })} />
            </Field>
            <label class="check wide">
              <input type="checkbox" checked={turn.bargeIn ?? true} onChange={(e) => setIn('turn', { bargeIn: e.currentTarget.checked })} />
              <span>
                <strong>Barge-in</strong>
                <span class="muted"> — the caller can interrupt the agent</span>
              </span>
            </label>
          </div>
        </Card>
      </div>

      <Card title="Tools">
        <div class="form-grid">
          <label class="check">
            <input type="checkbox" checked={tools.endCall ?? true} onChange={(e) => setIn('tools', { endCall: e.currentTarget.checked })} />
            <span>
              <strong>End call</strong>
              <span class="muted"> — the agent may say goodbye and hang up</span>
            </span>
          </label>
          <Field label="Transfer number" hint="E.164; the agent may hand the caller to this number. Empty: no transfers.">
            <input class="input" placeholder="+919876543210" value={tools.transferNumber ?? ''} onInput={(e) => setIn('tools', { transferNumber: e.currentTarget.value.trim() === '' ? null : e.currentTarget.value.trim() })} />
          </Field>
        </div>
        <WebhookEditor webhooks={(tools.webhooks ?? []) as WebhookDraft[]} onChange={(webhooks) => setIn('tools', { webhooks })} />
      </Card>

      <div class="two-col">
        <Card title="Limits">
          <div class="form-grid">
            <Field label="Re-prompt after silence (s)">
              <input class="input" type="number" min={1} step={1} value={seconds(limits.idleRepromptMs ?? 8000)} onInput={(e) => setIn('limits', { idleRepromptMs: Math.round(num(e) * 1000) })} />
            </Field>
            <Field label="Hang up after silence (s)">
              <input class="input" type="number" min={2} step={1} value={seconds(limits.idleHangupMs ?? 25_000)} onInput={(e) => setIn('limits', { idleHangupMs: Math.round(num(e) * 1000) })} />
            </Field>
            <Field label="Longest call (s)" hint="Exotel's own limit is 60 minutes.">
              <input class="input" type="number" min={10} step={1} value={seconds(limits.maxCallMs ?? 1_800_000)} onInput={(e) => setIn('limits', { maxCallMs: Math.round(num(e) * 1000) })} />
            </Field>
          </div>
        </Card>
        <Card title="Keypad (DTMF)">
          <div class="form-grid">
            <Field label="Terminator">
              <select class="input" value={dtmf.terminator ?? '#'} onChange={(e) => setIn('dtmf', { terminator: e.currentTarget.value })}>
                <option value="#">#</option>
                <option value="*">*</option>
              </select>
            </Field>
            <Field label="Timeout (ms)">
              <input class="input" type="number" min={500} max={30_000} step={100} value={dtmf.timeoutMs ?? 3000} onInput={(e) => setIn('dtmf', { timeoutMs: num(e) })} />
            </Field>
            <Field label="Most digits">
              <input class="input" type="number" min={1} max={64} step={1} value={dtmf.maxDigits ?? 20} onInput={(e) => setIn('dtmf', { maxDigits: num(e) })} />
            </Field>
          </div>
        </Card>
      </div>

      <Card title="Fixed phrases">
        <div class="form-grid">
          {Object.entries({ ...Object.fromEntries(Object.keys(PHRASE_LABELS).map((k) => [k, undefined])), ...(draft.phrases ?? {}) }).map(([key, value]) => (
            <Field key={key} label={PHRASE_LABELS[key] ?? key} wide>
              <input class="input" placeholder="Default" value={typeof value === 'string' ? value : ''} onInput={(e) => setIn('phrases', { [key]: e.currentTarget.value === '' ? undefined : e.currentTarget.value })} />
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

function options(list: [string, string][], current: string | undefined) {
  const all = current && !list.some(([value]) => value === current) ? [...list, [current, current] as [string, string]] : list;
  return all.map(([value, label]) => (
    <option key={value} value={value}>
      {label}
    </option>
  ));
}
