import { describe, expect, it } from 'vitest';
import {
  chooseSampleRate,
  clearMessage,
  decodeBase64,
  markMessage,
  mediaMessage,
  parseExotelFrame,
  type ExotelFrame,
} from './protocol.js';
import { randomBelow, seededRandom } from '@audexly/testing';
import { CONNECTED, DTMF, MARK, MEDIA, NEGATIVE, OUTBOUND, START, STOP } from './test/fixtures.js';

function frame(line: string): ExotelFrame {
  const result = parseExotelFrame(line);
  if (!result.ok) throw new Error(`expected ${line} to parse, got ${result.error.code}`);
  return result.frame;
}

const SIN8A = Buffer.from('AACVCusT5RqyHt0eYhuqFIAL+wBY9tnsnuWB4QDhKOQ=', 'base64');

describe('Exotel frame parser (exotel.md §11 fixtures)', () => {
  it.each(CONNECTED.map((line) => [line]))('reads connected %s', (line) => {
    expect(frame(line)).toEqual({ event: 'connected' });
  });

  const startExpect = [
    {
      streamSid: '919e7c249af3aa2d37bf7ef5c41551f2',
      callSid: '37ad7a2adfda919720942210af293270',
      sequenceNumber: 1,
      sampleRate: 8000,
      from: '+919876543210',
      customParameters: { tenant: 't42', agent: 'collections' },
    },
    {
      streamSid: '047ecaad362553b44316e8b7fefdf073',
      callSid: '301de34dbccf13bc28493b813f15637b',
      sequenceNumber: 1,
      sampleRate: 8000,
      from: '09876543210',
      customParameters: { key1: 'value1', key2: 'value2' },
    },
    {
      streamSid: '6f048d2e897a0d2d4029560f3f541947',
      callSid: '80bfbec2d78bbbf10fb851f4fa165211',
      sequenceNumber: 1,
      sampleRate: 8000,
      accountSid: 'exotel',
      customParameters: {},
    },
    {
      streamSid: 'c3a1f0e2b4d64e8f9a7b6c5d4e3f2a10',
      callSid: 'd9e8f7a6b5c44d3e2f1a0b9c8d7e6f5a',
      sampleRate: 16000,
      customParameters: { session_type: 'support' },
    },
    {
      streamSid: '0a1b2c3d4e5f60718293a4b5c6d7e8f9',
      callSid: 'f0e1d2c3b4a5968778695a4b3c2d1e0f',
      sampleRate: 24000,
      customParameters: { lead: 'L-10023' },
    },
    {
      streamSid: 'a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2',
      callSid: '1f2e3d4c5b6a79887766554433221100',
      sampleRate: 8000,
      customParameters: {},
    },
    {
      streamSid: '5e4d3c2b1a09f8e7d6c5b4a392817060',
      callSid: 'aa11bb22cc33dd44ee55ff6677889900',
      sampleRate: null,
      customParameters: {},
    },
    {
      streamSid: 'b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6',
      callSid: '0f9e8d7c6b5a49382716051423324150',
      sequenceNumber: 1,
      sampleRate: 8000,
      accountSid: 'acmevoice1',
      customParameters: { k: 'v' },
    },
  ];
  it.each(START.map((line, i) => [i + 1, line, startExpect[i]]))('reads start fixture %i', (_n, line, expected) => {
    expect(frame(line)).toMatchObject({ event: 'start', ...(expected as object) });
  });

  const mediaExpect = [
    { sequenceNumber: 2, chunk: 1, timestampMs: 100, bytes: 32 },
    { sequenceNumber: 3, chunk: 2, timestampMs: 200, bytes: 32 },
    { sequenceNumber: 4, chunk: 3, timestampMs: 300, bytes: 32 },
    { sequenceNumber: 2, chunk: 1, timestampMs: 100, bytes: 32 },
    { sequenceNumber: 2, chunk: 1, timestampMs: 100, bytes: 32 },
    { sequenceNumber: 9, chunk: 7, timestampMs: 700, bytes: 32 },
    { sequenceNumber: 12, chunk: 10, timestampMs: 1000, bytes: 32 },
    { sequenceNumber: 5, chunk: 4, timestampMs: 400, bytes: 32, track: 'inbound' },
    { sequenceNumber: 2, chunk: 1, timestampMs: 100, bytes: 32, streamSid: 'b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6' },
  ];
  it.each(MEDIA.map((line, i) => [i + 1, line, mediaExpect[i]!]))('reads media fixture %i', (_n, line, expected) => {
    const f = frame(line);
    const { bytes, ...rest } = expected;
    expect(f).toMatchObject({ event: 'media', ...rest });
    if (f.event === 'media') expect(f.pcm.byteLength).toBe(bytes);
  });

  it('decodes the media payload to the PCM Exotel sent', () => {
    const f = frame(MEDIA[0]!);
    expect(f.event === 'media' && f.pcm.equals(SIN8A)).toBe(true);
  });

  it.each([
    [DTMF[0]!, '5', 100],
    [DTMF[1]!, '1', 200],
    [DTMF[2]!, '#', 120],
    [DTMF[3]!, '*', 90],
    [DTMF[4]!, '0', 160],
    [DTMF[5]!, '9', null],
    [DTMF[6]!, '5', null],
  ])('reads dtmf %s', (line, digit, durationMs) => {
    expect(frame(line)).toMatchObject({ event: 'dtmf', digit, durationMs });
  });

  it('rejects a dtmf digit outside 0-9, * and #', () => {
    expect(parseExotelFrame(DTMF[7]!)).toEqual({
      ok: false,
      error: expect.objectContaining({ code: 'invalid-digit', event: 'dtmf' }),
    });
  });

  it.each(MARK.map((line) => [line]))('reads mark echo %s', (line) => {
    const f = frame(line);
    expect(f.event).toBe('mark');
    if (f.event === 'mark') expect(f.name).toBe((JSON.parse(line) as { mark: { name: string } }).mark.name);
  });

  it.each([
    [STOP[0]!, 'callended', 20],
    [STOP[1]!, 'stopped', 10],
    [STOP[2]!, 'callended', 873],
    [STOP[3]!, 'callended', null],
    [STOP[4]!, 'callended', 2],
    [STOP[5]!, '', 21],
  ])('reads stop %s', (line, reason, sequenceNumber) => {
    expect(frame(line)).toMatchObject({ event: 'stop', reason, sequenceNumber });
  });

  it('ignores unknown events, and an inbound clear, without failing', () => {
    expect(frame(NEGATIVE[0]!)).toMatchObject({ event: 'unknown', name: 'teleport' });
    expect(frame(NEGATIVE[5]!)).toMatchObject({
      event: 'unknown',
      name: 'clear',
      streamSid: '919e7c249af3aa2d37bf7ef5c41551f2',
    });
  });

  it.each([
    [NEGATIVE[1]!, 'missing-event'],
    [NEGATIVE[2]!, 'invalid-json'],
    [NEGATIVE[3]!, 'invalid-base64'],
    ['[1,2]', 'not-an-object'],
    ['null', 'not-an-object'],
    ['{"event":"media","stream_sid":"x"}', 'missing-field'],
    ['{"event":"media","stream_sid":"x","media":{"payload":12}}', 'missing-field'],
    ['{"event":"start","stream_sid":"x","start":{"stream_sid":"x"}}', 'missing-field'],
    ['{"event":"start","stream_sid":"x"}', 'missing-field'],
    ['{"event":"mark","stream_sid":"x","mark":{}}', 'missing-field'],
  ])('reports %s as %s, without throwing', (line, code) => {
    const result = parseExotelFrame(line);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe(code);
  });

  it('keeps the foreign stream_sid so the session can drop the frame', () => {
    expect(frame(NEGATIVE[4]!)).toMatchObject({ event: 'media', streamSid: 'ffffffffffffffffffffffffffffffff' });
  });

  it('accepts custom_parameters given as a string, and keys with stray spaces', () => {
    const f = frame(
      '{"event":"start","stream_sid":"s","start":{"call_sid":"c","to ":"+91","custom_parameters":"a=1&b=2"}}',
    );
    expect(f).toMatchObject({ event: 'start', streamSid: 's', to: '+91', customParameters: { a: '1', b: '2' } });
  });
});

describe('sample rate choice', () => {
  it('prefers the URL, then start, then 8000', () => {
    expect(chooseSampleRate('16000', 8000)).toMatchObject({ sampleRate: 16000, source: 'url' });
    expect(chooseSampleRate(null, 24000)).toEqual({ sampleRate: 24000, source: 'start' });
    expect(chooseSampleRate(null, null)).toEqual({ sampleRate: 8000, source: 'default' });
  });

  it('rejects rates other than 8000, 16000 and 24000 with a warning', () => {
    expect(chooseSampleRate('44100', null)).toMatchObject({
      sampleRate: 8000,
      source: 'default',
      warning: expect.stringContaining('44100'),
    });
    expect(chooseSampleRate(null, 11025)).toMatchObject({
      sampleRate: 8000,
      warning: expect.stringContaining('11025'),
    });
    expect(chooseSampleRate('abc', 16000)).toMatchObject({
      sampleRate: 16000,
      source: 'start',
      warning: expect.any(String),
    });
  });

  it('warns when the URL and start disagree', () => {
    expect(chooseSampleRate('8000', 16000).warning).toContain('differs');
  });
});

describe('outbound messages', () => {
  it('match the golden shapes with snake_case stream_sid', () => {
    const sid = '919e7c249af3aa2d37bf7ef5c41551f2';
    const pcm = Buffer.alloc(640, 1);
    const media = JSON.parse(mediaMessage(sid, pcm)) as Record<string, unknown>;
    const golden = JSON.parse(OUTBOUND[0]!) as Record<string, unknown>;
    expect(Object.keys(media)).toEqual(Object.keys(golden));
    expect(media).toEqual({ event: 'media', stream_sid: sid, media: { payload: pcm.toString('base64') } });
    expect(JSON.parse(markMessage(sid, 'turn-3-end'))).toEqual(JSON.parse(OUTBOUND[1]!));
    expect(JSON.parse(clearMessage(sid))).toEqual(JSON.parse(OUTBOUND[2]!));
  });
});

describe('base64 payloads', () => {
  it.each([
    ['AACVCusT5RqyHt0eYhuqFIAL+wBY9tnsnuWB4QDhKOQ=', 32],
    ['AAAA', 3],
    ['AAA=', 2],
    ['AA==', 1],
    ['', 0],
    [Buffer.alloc(1600, 7).toString('base64'), 1600],
    [` ${Buffer.alloc(1600, 7).toString('base64')}\n`, 1600],
  ])('decodes %j', (text, bytes) => {
    expect(decodeBase64(text)?.byteLength).toBe(bytes);
  });

  it.each([
    '!!!notbase64',
    'A',
    'AA=A',
    'AB-_',
    'AA=',
    'A===',
    'AAAAA==',
    'AB==',
    'AAB=',
    `${'A'.repeat(32)} ${'A'.repeat(32)}=`,
    `${'A'.repeat(60)}!${'A'.repeat(40)}=`,
    `${Buffer.alloc(1600).toString('base64').slice(0, -4)}ab-_`,
    `${Buffer.alloc(99).toString('base64')}AA=A`,
    `AAAA${'!'.repeat(100)}`,
    `${'A'.repeat(100)}==AA`,
  ])('rejects %j', (text) => {
    expect(decodeBase64(text)).toBeNull();
  });

  it('matches a strict decoder on random and nearly-valid text', () => {
    const seed = 20260417;
    const random = seededRandom(seed);
    const pick = (chars: string) => chars[randomBelow(random, chars.length)]!;
    const alphabet = `${B64_ALPHABET}=-_ !`;
    for (let n = 0; n < 4000; n++) {
      let text: string;
      if (n % 2 === 0) {
        text = Array.from({ length: randomBelow(random, 120) }, () => pick(alphabet)).join('');
      } else {
        // The encoding of random bytes (sometimes unpadded), with up to two characters replaced,
        // inserted or removed: the near misses a length check alone lets through.
        const bytes = Buffer.from(Array.from({ length: randomBelow(random, 90) }, () => randomBelow(random, 256)));
        text = bytes.toString('base64');
        if (random() < 0.2) text = text.replace(/=+$/, '');
        for (let edits = randomBelow(random, 3); edits > 0; edits--) {
          const at = randomBelow(random, text.length + 1);
          const how = randomBelow(random, 3);
          text = text.slice(0, at) + (how === 2 ? '' : pick(alphabet)) + text.slice(how === 0 ? at : at + 1);
        }
      }
      // Surrounding whitespace is tolerated.
      const raw = random() < 0.1 ? ` ${text}\n` : text;
      const decoded = decodeBase64(raw);
      expect(decoded === null ? null : [...decoded], `seed ${seed}, case ${n}: ${JSON.stringify(raw)}`).toEqual(
        strictDecode(raw.trim()),
      );
    }
  });
});

const B64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/**
 * Reference decoder (RFC 4648 §4, strict): only the standard alphabet, '=' only as the padding of a
 * whole last quantum, no leftover non-zero bits; unpadded text is accepted when its length could be
 * base64. Slow and obvious, to check the fast one against.
 */
function strictDecode(text: string): number[] | null {
  const padding = text.length % 4 === 0 ? (text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0) : 0;
  const body = text.slice(0, text.length - padding);
  if (body.length % 4 === 1) return null;
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const ch of body) {
    const sextet = B64_ALPHABET.indexOf(ch);
    if (sextet < 0) return null;
    value = ((value << 6) | sextet) & 0xfff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push((value >> bits) & 0xff);
    }
  }
  return (value & ((1 << bits) - 1)) === 0 ? out : null;
}

describe('unknown keys', () => {
  it('names keys it does not read, at the top level and in the event object, and none for the documented shapes', () => {
    expect(parseExotelFrame(CONNECTED[2]!)).toMatchObject({ ok: true, unknownKeys: ['protocol', 'version'] });
    expect(parseExotelFrame(MEDIA[7]!)).not.toHaveProperty('unknownKeys');
    expect(parseExotelFrame(START[0]!)).not.toHaveProperty('unknownKeys');
    expect(
      parseExotelFrame('{"event":"mark","stream_sid":"s","mark":{"name":"x","colour":"red"},"extra":1}'),
    ).toMatchObject({ ok: true, unknownKeys: ['extra', 'mark.colour'] });
  });
});
