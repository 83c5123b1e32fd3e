import { describe, expect, it } from 'vitest';
import { agentConfigSchema } from '@audexly/protocol';
import { agentRuleProblems } from './agent-rules.js';
import { AGENT_LABELS, labelFor } from './labels.js';
import { checkPhone } from './phone.js';

const agent = (fields: Record<string, unknown> = {}) =>
  agentConfigSchema.parse({ id: 'ag_1', name: 'Reception', prompt: 'You answer the phone.', ...fields });

describe('agent rules (shared by the api and the dashboard)', () => {
  it('finds nothing wrong with the defaults, or with bulbul:v3, shubh and pace 1.5 over saaras:v3 detecting the language', () => {
    expect(agentRuleProblems(agent())).toEqual([]);
    expect(
      agentRuleProblems(
        agent({
          stt: { model: 'saaras:v3', language: 'unknown' },
          tts: { model: 'bulbul:v3', speaker: 'shubh', pace: 1.5 },
        }),
      ),
    ).toEqual([]);
  });

  it('names each wrong field with its label', () => {
    const problems = agentRuleProblems(
      agent({ prompt: ' \n ', tts: { model: 'bulbul:v3', speaker: 'anushka' }, tools: { transferNumber: '12-abc' } }),
    );
    expect(problems.map((p) => p.path)).toEqual(['prompt', 'tts.speaker', 'tools.transferNumber']);
    expect(problems[1]!.message).toMatch(/^Speaker: bulbul:v3 has no speaker "anushka"/);
    expect(problems[2]!.message).toBe('Transfer number must be a phone number, e.g. +919876543210');
  });

  it("holds the greeting and each phrase to the voice model's longest text", () => {
    const problems = agentRuleProblems(
      agent({ greeting: 'x'.repeat(1501), phrases: { idlePrompt: 'y'.repeat(1501) } }),
    );
    expect(problems.map((p) => p.path)).toEqual(['greeting', 'phrases.idlePrompt']);
    expect(
      agentRuleProblems(agent({ greeting: 'x'.repeat(1501), tts: { model: 'bulbul:v3', speaker: 'shubh' } })),
    ).toEqual([]);
  });
});

describe('field labels and phone numbers', () => {
  it('labels list items by their position, and fields without a label by their name in words', () => {
    expect(labelFor(AGENT_LABELS, 'tools.webhooks[2].url')).toBe('Webhook 3 URL');
    expect(labelFor(AGENT_LABELS, 'tts.speaker')).toBe('Speaker');
    expect(labelFor(AGENT_LABELS, 'stt.somethingNew')).toBe('Something new');
  });

  it('takes the forms Exotel and people write, in E.164, and refuses the rest', () => {
    for (const raw of ['+919876543210', '09876543210', '9876543210', '+91 98765-43210', '(080) 4749 1899'])
      expect(checkPhone(raw, 'p', 'P').ok, raw).toBe(true);
    expect(checkPhone('080 4749 1899', 'p', 'P')).toEqual({ ok: true, e164: '+918047491899' });
    for (const raw of ['12-abc', 'abc-not-a-phone', '', '12345', `+91${'9'.repeat(40)}`])
      expect(checkPhone(raw, 'p', 'P'), raw).toEqual({
        ok: false,
        problem: { path: 'p', message: 'P must be a phone number, e.g. +919876543210' },
      });
  });
});
