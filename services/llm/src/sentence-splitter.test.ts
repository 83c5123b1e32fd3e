import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SentenceSplitter } from './sentence-splitter.js';

function splitWhole(text: string, minChars = 20): string[] {
  const s = new SentenceSplitter({ minChars });
  return [...s.push(text), ...s.flush()];
}

function splitPieces(pieces: string[], minChars = 20): string[] {
  const s = new SentenceSplitter({ minChars });
  const out: string[] = [];
  for (const p of pieces) out.push(...s.push(p));
  return [...out, ...s.flush()];
}

describe('sentence splitter', () => {
  it('splits English on . ? ! and sends the first sentence however short', () => {
    expect(
      splitWhole(
        'Hi! I can help you with your booking today. What date would you like to travel? Let me check the seats.',
      ),
    ).toEqual([
      'Hi!',
      'I can help you with your booking today.',
      'What date would you like to travel?',
      'Let me check the seats.',
    ]);
  });

  it('joins sentences shorter than the minimum length with the next one', () => {
    expect(splitWhole('Sure. Okay. Yes. That works for me and the team.', 20)).toEqual([
      'Sure.',
      'Okay. Yes. That works for me and the team.',
    ]);
  });

  it('splits Hindi on the danda', () => {
    expect(splitWhole('नमस्ते। मैं आपकी बुकिंग में मदद कर सकती हूँ। आप कब यात्रा करना चाहेंगे?')).toEqual([
      'नमस्ते।',
      'मैं आपकी बुकिंग में मदद कर सकती हूँ।',
      'आप कब यात्रा करना चाहेंगे?',
    ]);
  });

  it('does not split decimals or abbreviations', () => {
    expect(
      splitWhole(
        'Okay. The rate is 3.5 percent for this plan. Dr. Sharma will call you, e.g. tomorrow at 10 a.m. near the office.',
      ),
    ).toEqual([
      'Okay.',
      'The rate is 3.5 percent for this plan.',
      'Dr. Sharma will call you, e.g. tomorrow at 10 a.m. near the office.',
    ]);
  });

  it('splits on newlines and keeps closing quotes with their sentence', () => {
    expect(
      splitWhole('He said "you are booked." Your seat number is twelve A\nYour train leaves at nine in the morning'),
    ).toEqual([
      'He said "you are booked."',
      'Your seat number is twelve A',
      'Your train leaves at nine in the morning',
    ]);
  });

  it('holds back a period at the end of the stream until the next character decides', () => {
    const s = new SentenceSplitter();
    expect(s.push('It costs 3.')).toEqual([]);
    expect(s.push('5 rupees. ')).toEqual(['It costs 3.5 rupees.']);
    expect(s.flush()).toEqual([]);
  });

  it('flushes the remainder at the end', () => {
    const s = new SentenceSplitter();
    expect(s.push('Hello there. and then')).toEqual(['Hello there.']);
    expect(s.flush()).toEqual(['and then']);
  });

  it('gives the same sentences however the text is streamed in pieces', () => {
    const texts = [
      'Hi! I can help you with your booking today. What date would you like to travel? Let me check the seats.',
      'नमस्ते। मैं आपकी बुकिंग में मदद कर सकती हूँ। आप कब यात्रा करना चाहेंगे? ठीक है॥ धन्यवाद।',
      'Okay. The rate is 3.5 percent for this plan. Dr. Sharma will call you, e.g. tomorrow.\nBye!',
      'Wait... what? "Really?!" she asked. Yes.',
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...texts),
        fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 200 }),
        (text, sizes) => {
          const pieces: string[] = [];
          let i = 0;
          for (let k = 0; i < text.length; k++) {
            const size = sizes[k % sizes.length]!;
            pieces.push(text.slice(i, i + size));
            i += size;
          }
          expect(splitPieces(pieces)).toEqual(splitWhole(text));
        },
      ),
      // Seeded in vitest.setup.ts (FC_SEED).
      { numRuns: 200 },
    );
  });
});
