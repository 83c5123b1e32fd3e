import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDefaultAgent } from './agent.js';

describe('default agent', () => {
  it('is the built-in receptionist unless the environment says otherwise', () => {
    expect(loadDefaultAgent({})).toMatchObject({
      name: 'Audexly receptionist',
      greeting: 'Namaste! Thank you for calling. How can I help you today?',
      language: 'en-IN',
      stt: { model: 'saarika:v2.5' },
      llm: { model: 'gpt-4o-mini' },
      tts: { model: 'bulbul:v2', speaker: 'anushka' },
    });
    expect(
      loadDefaultAgent({ AGENT_PROMPT: 'Be terse.', AGENT_GREETING: 'Hello', AGENT_LANGUAGE: 'hi-IN' }),
    ).toMatchObject({
      prompt: 'Be terse.',
      greeting: 'Hello',
      language: 'hi-IN',
      stt: { language: 'hi-IN' },
      tts: { language: 'hi-IN' },
    });
  });

  it('reads AGENT_FILE and refuses one that is not a valid agent', () => {
    const dir = mkdtempSync(join(tmpdir(), 'agent-'));
    const good = join(dir, 'good.json');
    writeFileSync(good, JSON.stringify({ id: 'sales', name: 'Sales', prompt: 'Sell.', tts: { speaker: 'vidya' } }));
    expect(loadDefaultAgent({ AGENT_FILE: good, AGENT_PROMPT: 'ignored' })).toMatchObject({
      id: 'sales',
      prompt: 'Sell.',
      tts: { speaker: 'vidya', model: 'bulbul:v2' },
    });
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ name: 'No id' }));
    expect(() => loadDefaultAgent({ AGENT_FILE: bad })).toThrow(/not a valid agent/);
  });
});
