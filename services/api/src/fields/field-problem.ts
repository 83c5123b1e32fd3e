/**
 * One thing wrong with one field of a request: where (`tools.transferNumber`,
 * `tools.webhooks[0].url`) and why, in words a person reads beside the field ("Transfer number
 * must be a phone number, e.g. +919876543210"). The API's 422 answers carry a list of them; the
 * dashboard places each beside its field. The type is the protocol's (`@audexly/protocol/api`).
 *
 * Pure: shared by the API and its dashboard.
 */
import type { FieldProblem } from '@audexly/protocol/api';

export type { FieldProblem } from '@audexly/protocol/api';

/** The message for the field at `path`, if any. */
export function problemAt(problems: readonly FieldProblem[], path: string): string | undefined {
  return problems.find((p) => p.path === path)?.message;
}
