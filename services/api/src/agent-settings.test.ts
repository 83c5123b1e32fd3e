/* eslint-disable @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return -- JSON answers: the assertions check their shape */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ttsModel } from '@audexly/protocol';
import { startTestApi, type TestApi } from './test/api-client.js';

/**
 * An agent's settings are valid before a call starts: the API refuses (422, the field named in
 * words, nothing stored) every combination the providers would refuse, and takes every one they
 * accept.
 */
let t: TestApi;

beforeAll(async () => {
  t = await startTestApi();
});
afterAll(async () => {
  await t?.stop();
});

const uniqueName = () => `Settings ${randomUUID().slice(0, 8)}`;

async function agentsNamed(name: string): Promise<unknown[]> {
  const list = await t.call('GET', '/api/v1/agents');
  return (list.body.agents as { name: string }[]).filter((a) => a.name === name);
}

/** POSTs an agent with `fields`, expects 422 with exactly one problem at `path`, and that nothing was stored. */
async function refused(fields: Record<string, unknown>, path: string): Promise<string> {
  const name = uniqueName();
  const res = await t.call('POST', '/api/v1/agents', { name, prompt: 'You answer the phone.', ...fields });
  expect(res.status, JSON.stringify(res.body)).toBe(422);
  expect(res.body.error.code).toBe('invalid_agent');
  expect(res.body.error.problems.map((p: { path: string }) => p.path)).toEqual([path]);
  expect(await agentsNamed(name)).toEqual([]);
  return res.body.error.problems[0].message as string;
}

async function create(fields: Record<string, unknown>) {
  const res = await t.call('POST', '/api/v1/agents', {
    name: uniqueName(),
    prompt: 'You answer the phone.',
    ...fields,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  t.created(`/api/v1/agents/${res.body.id}`);
  return res.body;
}

describe('api: an agent the providers would refuse is refused before any call', () => {
  it('refuses a speaker the voice model does not have, naming the field and the speakers it has', async () => {
    const message = await refused({ tts: { model: 'bulbul:v3', speaker: 'anushka' } }, 'tts.speaker');
    expect(message).toMatch(/^Speaker: bulbul:v3 has no speaker "anushka"; choose one of shubh, aditya/);
  });

  it('refuses a pace outside the voice model’s range', async () => {
    expect(await refused({ tts: { model: 'bulbul:v3', speaker: 'shubh', pace: 2.5 } }, 'tts.pace')).toBe(
      'Pace: bulbul:v3 takes a pace from 0.5 to 2',
    );
  });

  it('refuses unknown models and languages the model does not take', async () => {
    expect(await refused({ stt: { model: 'whisper-1' } }, 'stt.model')).toMatch(
      /^Speech recognition model: unknown speech-to-text model "whisper-1"/,
    );
    expect(await refused({ stt: { model: 'saarika:v2.5', language: 'as-IN' } }, 'stt.language')).toMatch(
      /^Speech recognition language: saarika:v2.5 does not transcribe "as-IN"/,
    );
    expect(await refused({ tts: { model: 'bulbul:v9' } }, 'tts.model')).toMatch(
      /^Voice model: unknown text-to-speech model "bulbul:v9"/,
    );
    expect(await refused({ tts: { language: 'as-IN' } }, 'tts.language')).toMatch(
      /^Voice language: text-to-speech does not speak "as-IN"/,
    );
  });

  it('refuses a transfer number that is not a phone number, and stores one that is in E.164', async () => {
    expect(await refused({ tools: { transferNumber: '12-abc' } }, 'tools.transferNumber')).toBe(
      'Transfer number must be a phone number, e.g. +919876543210',
    );
    expect(await refused({ tools: { transferNumber: 'call reception' } }, 'tools.transferNumber')).toBe(
      'Transfer number must be a phone number, e.g. +919876543210',
    );
    const agent = await create({ tools: { transferNumber: '098765 43210' } });
    expect(agent.tools.transferNumber).toBe('+919876543210');
    expect(((await t.raw('agents', agent.id)) as { tools: { transferNumber: string } }).tools.transferNumber).toBe(
      '+919876543210',
    );
  });

  it('refuses a prompt of only spaces, and text longer than the server takes', async () => {
    expect(await refused({ prompt: '   \n\t ' }, 'prompt')).toBe(
      'Prompt cannot be blank: say who the agent is and what it does',
    );
    expect(await refused({ prompt: 'x'.repeat(8001) }, 'prompt')).toBe('Prompt must be at most 8000 characters');
    expect(await refused({ name: 'n'.repeat(101) }, 'name')).toBe('Name must be at most 100 characters');
    expect(await refused({ name: '   ' }, 'name')).toBe('Name cannot be blank');
  });

  it('holds the greeting and the phrases to what the chosen voice model speaks at once', async () => {
    const v2 = ttsModel('bulbul:v2')!.maxTextChars;
    expect(await refused({ greeting: 'g'.repeat(v2 + 1) }, 'greeting')).toBe(
      `Greeting must be at most ${v2} characters, the most bulbul:v2 speaks at once`,
    );
    expect(await refused({ phrases: { goodbye: 'b'.repeat(v2 + 1) } }, 'phrases.goodbye')).toMatch(
      /^Goodbye phrase must be at most 1500 characters/,
    );
    // bulbul:v3 speaks longer texts.
    const agent = await create({ greeting: 'g'.repeat(v2 + 1), tts: { model: 'bulbul:v3', speaker: 'shubh' } });
    expect(agent.greeting).toHaveLength(v2 + 1);
  });

  it('lists every wrong field of one request', async () => {
    const res = await t.call('POST', '/api/v1/agents', {
      name: uniqueName(),
      prompt: ' ',
      tts: { model: 'bulbul:v3', speaker: 'anushka', pace: 3 },
      tools: { transferNumber: 'x' },
    });
    expect(res.status).toBe(422);
    expect(res.body.error.problems.map((p: { path: string }) => p.path)).toEqual([
      'prompt',
      'tts.speaker',
      'tts.pace',
      'tools.transferNumber',
    ]);
  });

  it('takes bulbul:v3 with its own speaker at pace 1.5, and saaras:v3 detecting the language', async () => {
    const agent = await create({
      sampleRate: 16000,
      stt: { model: 'saaras:v3', language: 'unknown' },
      tts: { model: 'bulbul:v3', speaker: 'shubh', language: 'hi-IN', pace: 1.5 },
    });
    expect(agent).toMatchObject({
      stt: { model: 'saaras:v3', language: 'unknown' },
      tts: { model: 'bulbul:v3', speaker: 'shubh', pace: 1.5 },
    });
    const stored = await t.call('GET', `/api/v1/agents/${agent.id}`);
    expect(stored.body.tts).toEqual(agent.tts);
  });

  it('refuses a PUT or PATCH that would make a stored agent invalid, and leaves it as it was', async () => {
    const agent = await create({
      tts: { model: 'bulbul:v2', speaker: 'vidya' },
      tools: { transferNumber: '+918000000000' },
    });
    const before = await t.raw('agents', agent.id);
    // Switching the model alone keeps a speaker the new model does not have.
    const patch = await t.call('PATCH', `/api/v1/agents/${agent.id}`, { tts: { model: 'bulbul:v3' } });
    expect(patch.status).toBe(422);
    expect(patch.body.error.problems[0]).toMatchObject({
      path: 'tts.speaker',
      message: expect.stringMatching(/^Speaker: bulbul:v3 has no speaker "vidya"/),
    });
    const put = await t.call('PUT', `/api/v1/agents/${agent.id}`, { ...agent, tools: { transferNumber: '12-abc' } });
    expect(put.status).toBe(422);
    expect(put.body.error.problems).toEqual([
      { path: 'tools.transferNumber', message: 'Transfer number must be a phone number, e.g. +919876543210' },
    ]);
    expect(await t.raw('agents', agent.id)).toEqual(before);
    // Model and speaker together are fine.
    const both = await t.call('PATCH', `/api/v1/agents/${agent.id}`, { tts: { model: 'bulbul:v3', speaker: 'priya' } });
    expect(both.status).toBe(200);
    expect(both.body.tts).toMatchObject({ model: 'bulbul:v3', speaker: 'priya' });
  });
});
