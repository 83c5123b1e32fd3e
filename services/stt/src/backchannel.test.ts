import { describe, expect, it } from 'vitest';
import { BackchannelClassifier, normaliseWords } from './backchannel.js';

const builtIn = new BackchannelClassifier(null);

describe('BackchannelClassifier', () => {
  it.each(['okay', 'Ok.', 'Yeah, yeah.', 'Uh-huh', 'uh huh', 'Hmmm...', 'mm-hmm', 'Right!', 'Sure', 'yes okay'])(
    'an English acknowledgment is a backchannel: %s',
    (text) => {
      expect(builtIn.classify(text)).toBe('backchannel');
    },
  );

  it.each([
    'Haan',
    'haan haan',
    'Haaan.',
    'achha',
    'Accha, theek hai.',
    'ji',
    'ji haan',
    'हाँ',
    'हां जी',
    'अच्छा।',
    'ठीक है',
    'हम्म',
    'ओके',
  ])('a Hindi acknowledgment (Latin or Devanagari) is a backchannel: %s', (text) => {
    expect(builtIn.classify(text)).toBe('backchannel');
  });

  it.each([
    'okay but what about the refund',
    'yes I want to cancel',
    'no',
    'wait',
    'stop',
    'haan mujhe refund chahiye',
    'हाँ मुझे टिकट चाहिए',
    'theek hai lekin kab tak',
    'right, and the address?',
    'okay what',
  ])('words beyond acknowledgment are speech: %s', (text) => {
    expect(builtIn.classify(text)).toBe('speech');
  });

  it.each(['', '   ', '...', '?!', '—'])('a transcript with no words is noise: %j', (text) => {
    expect(builtIn.classify(text)).toBe('noise');
  });

  it("an agent's own list replaces the built-in one", () => {
    const own = new BackchannelClassifier(['got it', 'bilkul']);
    expect(own.classify('Got it.')).toBe('backchannel');
    expect(own.classify('bilkul got it')).toBe('backchannel');
    expect(own.classify('okay')).toBe('speech');
    expect(own.classify('got')).toBe('speech');
  });

  it('normalises case, punctuation, hyphens and drawn-out letters', () => {
    expect(normaliseWords('  Uh-HUH!! Hmmmm, theek   hai. ')).toEqual(['uh', 'huh', 'hmm', 'theek', 'hai']);
    expect(normaliseWords('ठीक है।')).toEqual(['ठीक', 'है']);
  });
});
