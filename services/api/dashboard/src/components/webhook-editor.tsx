import { useState } from 'preact/hooks';
import { AGENT_TEXT_LIMITS } from '@audexly/protocol/catalogue';
import { problemAt, type FieldProblem } from '../../../src/fields/field-problem.js';
import type { AgentConfig } from '@audexly/protocol/api';
import { Field } from './ui.js';

export type WebhookDraft = AgentConfig['tools']['webhooks'][number];

const NEW_WEBHOOK: WebhookDraft = {
  name: 'lookup_order',
  description: 'Looks up an order by its number.',
  url: 'https://example.com/hooks/order',
  parameters: { type: 'object', properties: { orderNumber: { type: 'string' } }, required: ['orderNumber'] },
  timeoutMs: 5000,
  headers: {},
};

/** The agent's HTTP tools: each is offered to the model as a function it may call. */
export function WebhookEditor(props: {
  webhooks: WebhookDraft[];
  problems: readonly FieldProblem[];
  onChange: (webhooks: WebhookDraft[]) => void;
}) {
  const update = (i: number, patch: Partial<WebhookDraft>) =>
    props.onChange(props.webhooks.map((w, j) => (j === i ? { ...w, ...patch } : w)));
  const at = (i: number, field: keyof WebhookDraft) => problemAt(props.problems, `tools.webhooks[${i}].${field}`);
  return (
    <div class="webhooks">
      <div class="subheading">
        <h3>Webhooks</h3>
        <button
          class="btn small"
          type="button"
          onClick={() =>
            props.onChange([...props.webhooks, { ...NEW_WEBHOOK, name: `tool_${props.webhooks.length + 1}` }])
          }
        >
          Add webhook
        </button>
      </div>
      {props.webhooks.length === 0 && (
        <p class="muted small">No webhooks: the model can only talk (and end or transfer the call).</p>
      )}
      {props.webhooks.map((hook, i) => (
        <div class="webhook" key={i}>
          <div class="form-grid">
            <Field label="Function name" hint="Letters, digits, _ and -." error={at(i, 'name')}>
              <input
                class="input mono"
                maxLength={AGENT_TEXT_LIMITS.webhookName}
                value={hook.name}
                onInput={(e) => update(i, { name: e.currentTarget.value })}
              />
            </Field>
            <Field label="URL" hint="Receives a POST with the arguments as JSON." error={at(i, 'url')}>
              <input
                class="input"
                type="url"
                maxLength={AGENT_TEXT_LIMITS.webhookUrl}
                value={hook.url}
                onInput={(e) => update(i, { url: e.currentTarget.value })}
              />
            </Field>
            <Field label="Timeout (ms)" error={at(i, 'timeoutMs')}>
              <input
                class="input"
                type="number"
                min={100}
                max={30_000}
                value={hook.timeoutMs}
                onInput={(e) => update(i, { timeoutMs: e.currentTarget.valueAsNumber })}
              />
            </Field>
            <Field label="Description" hint="Tells the model when to call it." error={at(i, 'description')} wide>
              <input
                class="input"
                maxLength={AGENT_TEXT_LIMITS.webhookDescription}
                value={hook.description}
                onInput={(e) => update(i, { description: e.currentTarget.value })}
              />
            </Field>
            <JsonField
              label="Parameters (JSON schema)"
              error={at(i, 'parameters')}
              value={hook.parameters}
              onChange={(parameters) => update(i, { parameters })}
            />
            <JsonField
              label="Headers (JSON)"
              hint="Sent with every request; kept secret."
              error={at(i, 'headers')}
              value={hook.headers}
              onChange={(headers) => update(i, { headers: headers as Record<string, string> })}
            />
          </div>
          <button
            class="btn small danger ghost"
            type="button"
            onClick={() => props.onChange(props.webhooks.filter((_, j) => j !== i))}
          >
            Remove
          </button>
        </div>
      ))}
    </div>
  );
}

/** A JSON object in a text area: changes count once they parse. */
function JsonField(props: {
  label: string;
  hint?: string;
  error?: string | undefined;
  value: Record<string, unknown>;
  onChange: (value: Record<string, unknown>) => void;
}) {
  const [text, setText] = useState(() => JSON.stringify(props.value, null, 2));
  const [error, setError] = useState<string | null>(null);
  return (
    <Field label={props.label} hint={error ?? props.hint} error={props.error}>
      <textarea
        class={error ? 'input mono invalid' : 'input mono'}
        rows={5}
        value={text}
        onInput={(e) => {
          const next = e.currentTarget.value;
          setText(next);
          try {
            const parsed = JSON.parse(next) as unknown;
            if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
              throw new Error('must be a JSON object');
            setError(null);
            props.onChange(parsed as Record<string, unknown>);
          } catch (err) {
            setError(`Not valid: ${err instanceof Error ? err.message : String(err)}`);
          }
        }}
      />
    </Field>
  );
}
