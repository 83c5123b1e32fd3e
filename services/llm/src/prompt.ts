import type { CallDescriptor } from '@audexly/protocol';

const istFormat = new Intl.DateTimeFormat('en-IN', { timeZone: 'Asia/Kolkata', dateStyle: 'full', timeStyle: 'short' });

/** The current date and time in India, as the prompt's `{{now}}` reads. */
export function formatIst(now: Date): string {
  return `${istFormat.format(now)} IST`;
}

/**
 * The agent's system prompt for one call: `{{caller}}`, `{{dialled}}` and `{{now}}` filled in, and
 * the call's custom parameters (from the Exotel flow) appended as context.
 */
export function buildSystemPrompt(call: CallDescriptor, now: Date): string {
  const values: Record<string, string> = { caller: call.from, dialled: call.to, now: formatIst(now) };
  let prompt = call.agent.prompt.replace(/\{\{\s*(caller|dialled|now)\s*\}\}/g, (_, key: string) => values[key] ?? '');
  const params = Object.entries(call.customParameters);
  if (params.length > 0) prompt += `\n\nCall context:\n${params.map(([k, v]) => `- ${k}: ${v}`).join('\n')}`;
  return prompt;
}
