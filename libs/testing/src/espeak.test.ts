import { rms } from '@audexly/audio';
import { describe, expect, it } from 'vitest';
import { espeakVoiceFor, synthesizeSpeech } from './espeak.js';

describe('synthesizeSpeech', () => {
  it('speaks Hindi and English at the requested rate, longer text giving longer audio', async () => {
    const hindi = await synthesizeSpeech({ text: 'नमस्ते, आप कैसे हैं?', voice: espeakVoiceFor('hi-IN'), sampleRate: 8000 });
    const short = await synthesizeSpeech({ text: 'Hello.', voice: 'en', sampleRate: 16000 });
    const long = await synthesizeSpeech({
      text: 'Hello, and welcome to the bank. How can I help you?',
      voice: 'en',
      sampleRate: 16000,
    });
    expect(hindi.byteLength / 2 / 8000).toBeGreaterThan(0.8);
    expect(rms(hindi)).toBeGreaterThan(0.02);
    expect(long.byteLength).toBeGreaterThan(short.byteLength * 3);
  });

  it('maps Sarvam languages to espeak voices', () => {
    expect(espeakVoiceFor('hi-IN')).toBe('hi');
    expect(espeakVoiceFor('od-IN')).toBe('or');
    expect(espeakVoiceFor('xx-YY')).toBe('en');
  });
});
