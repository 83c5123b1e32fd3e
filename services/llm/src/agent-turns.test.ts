import { describe, expect, it } from 'vitest';
import { AgentTurns } from './agent-turns.js';

describe('agent turns', () => {
  it('numbers the greeting 0 and the answer to utterance n as turn n', () => {
    const turns = new AgentTurns();
    expect(turns.greeting()).toBe(0);
    turns.heard(1);
    expect(turns.answer(1)).toBe(1);
    turns.heard(2);
    expect(turns.answer(2)).toBe(2);
  });

  it('continues the latest turn with speech that answers no new utterance (DTMF, idle prompt, goodbye)', () => {
    const turns = new AgentTurns();
    turns.greeting();
    expect(turns.initiative()).toBe(0);
    expect(turns.answer(1)).toBe(1);
    expect(turns.initiative()).toBe(1);
    expect(turns.initiative()).toBe(1);
  });

  it('gives such speech the number of a newer utterance that got no answer, and that utterance’s answer the same turn', () => {
    const turns = new AgentTurns();
    turns.greeting();
    turns.heard(1);
    expect(turns.initiative()).toBe(1);
    expect(turns.answer(1)).toBe(1);
  });

  it('never goes back: an answer after a later agent turn continues that turn', () => {
    const turns = new AgentTurns();
    turns.heard(3);
    expect(turns.initiative()).toBe(3);
    expect(turns.answer(2)).toBe(3);
  });

  it('counts an utterance answered once it was given to the model, never before', () => {
    const turns = new AgentTurns();
    turns.heard(1);
    expect(turns.isAnswered(1)).toBe(false);
    turns.answer(1);
    expect(turns.isAnswered(1)).toBe(true);
    expect(turns.isAnswered(2)).toBe(false);
  });

  it('before any agent speech, speech that answers no utterance is turn 0', () => {
    expect(new AgentTurns().initiative()).toBe(0);
  });

  it('rebuilt from the event log, carries on after the turns the agent spoke and the utterances the model saw', () => {
    const turns = new AgentTurns();
    turns.replaySpoke(0);
    turns.replayAnswered(1);
    turns.replaySpoke(1);
    turns.replayAnswered(2);
    expect(turns.isAnswered(2)).toBe(true);
    // Utterance 2 was seen by the model but never answered: its answer is turn 2.
    expect(turns.answer(2)).toBe(2);
    expect(turns.initiative()).toBe(2);
  });
});
