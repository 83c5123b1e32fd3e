import type { ComponentChildren } from 'preact';
import type { FieldProblem } from '@audexly/protocol/api';
import { ApiError } from '../api.js';

/** Building blocks every page uses, so all pages look alike. */

export function PageHeader(props: {
  title: string;
  subtitle?: ComponentChildren;
  actions?: ComponentChildren;
  back?: { href: string; label: string };
}) {
  return (
    <header class="page-header">
      <div>
        {props.back && (
          <a class="back-link" href={props.back.href}>
            ← {props.back.label}
          </a>
        )}
        <h1>{props.title}</h1>
        {props.subtitle && <p class="subtitle">{props.subtitle}</p>}
      </div>
      {props.actions && <div class="page-actions">{props.actions}</div>}
    </header>
  );
}

export function Card(props: {
  title?: ComponentChildren;
  actions?: ComponentChildren;
  children: ComponentChildren;
  class?: string;
  flush?: boolean;
  testId?: string;
}) {
  return (
    <section class={`card ${props.class ?? ''}`} data-testid={props.testId}>
      {(props.title !== undefined || props.actions !== undefined) && (
        <div class="card-header">
          <h2>{props.title}</h2>
          {props.actions}
        </div>
      )}
      <div class={props.flush ? 'card-body flush' : 'card-body'}>{props.children}</div>
    </section>
  );
}

export function Loading(props: { label?: string }) {
  return (
    <div class="state" role="status">
      <span class="spinner" aria-hidden="true" />
      <span>{props.label ?? 'Loading…'}</span>
    </div>
  );
}

export function ErrorBox(props: { error: Error; retry?: () => void }) {
  const status = props.error instanceof ApiError ? props.error.status : undefined;
  return (
    <div class="state error" role="alert">
      <strong>{status === 401 ? 'Not signed in' : status === 404 ? 'Not found' : 'Something went wrong'}</strong>
      <span>{props.error.message}</span>
      {props.retry && (
        <button class="btn small" type="button" onClick={props.retry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function Empty(props: { title: string; children?: ComponentChildren; action?: ComponentChildren }) {
  return (
    <div class="state empty">
      <strong>{props.title}</strong>
      {props.children && <span>{props.children}</span>}
      {props.action}
    </div>
  );
}

export function Badge(props: { tone: 'green' | 'red' | 'amber' | 'gray' | 'blue'; children: ComponentChildren }) {
  return <span class={`badge ${props.tone}`}>{props.children}</span>;
}

export function Notice(props: { tone: 'error' | 'success'; children: ComponentChildren }) {
  return (
    <div class={`notice ${props.tone}`} role={props.tone === 'error' ? 'alert' : 'status'}>
      {props.children}
    </div>
  );
}

/**
 * A label above a control, with an optional hint under it; a problem with the value (from the api
 * or checked before submitting) shows in red beside the control.
 */
export function Field(props: {
  label: string;
  hint?: ComponentChildren;
  error?: string | undefined;
  children: ComponentChildren;
  wide?: boolean;
}) {
  const classes = ['field', props.wide ? 'wide' : '', props.error ? 'invalid' : ''].filter(Boolean).join(' ');
  return (
    <label class={classes}>
      <span class="field-label">{props.label}</span>
      {props.children}
      {props.error && <span class="field-error">{props.error}</span>}
      {props.hint && <span class="field-hint">{props.hint}</span>}
    </label>
  );
}

/** What is wrong with a form, listed above it (each message also shows beside its field). */
export function ProblemList(props: { problems: readonly FieldProblem[] }) {
  if (props.problems.length === 0) return null;
  return (
    <Notice tone="error">
      <strong>
        {props.problems.length === 1
          ? 'One setting needs attention:'
          : `${props.problems.length} settings need attention:`}
      </strong>
      <ul class="problem-list">
        {props.problems.map((p) => (
          <li key={`${p.path}:${p.message}`}>{p.message}</li>
        ))}
      </ul>
    </Notice>
  );
}

/** The problems of a failed request: the api's per-field ones, else its message as one problem of the whole form. */
export function problemsOf(err: unknown): FieldProblem[] {
  if (err instanceof ApiError && err.problems.length > 0) return [...err.problems];
  return [{ path: '', message: errorMessage(err) }];
}

/** The message to show for a failed action. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
