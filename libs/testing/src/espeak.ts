import { parseWav, resample } from '@audexly/audio';
import ESpeakNg from 'espeak-ng';

/** What to say and how. */
export interface SpeechRequest {
  text: string;
  /** espeak-ng voice, e.g. `en`, `hi`; see {@link espeakVoiceFor}. */
  voice: string;
  sampleRate: number;
  /** 1 = espeak's normal 175 words a minute. */
  pace?: number;
}

/** espeak voice for a BCP-47 code: `hi-IN` → `hi`, `od-IN` → `or`, unknown → `en`. */
export function espeakVoiceFor(language: string | undefined): string {
  const base = (language ?? 'en').toLowerCase().split('-')[0] ?? 'en';
  if (base === 'od') return 'or';
  return ['en', 'hi', 'bn', 'gu', 'kn', 'ml', 'mr', 'or', 'pa', 'ta', 'te', 'ur', 'ne', 'as'].includes(base)
    ? base
    : 'en';
}

const cache = new Map<string, Promise<Buffer>>();
let queue: Promise<unknown> = Promise.resolve();

/**
 * Real synthetic speech (espeak-ng compiled to WASM, run in-process) as PCM16LE mono at the requested
 * rate. Results are cached by (text, voice, rate, pace); syntheses run one at a time.
 */
export function synthesizeSpeech(request: SpeechRequest): Promise<Buffer> {
  const key = JSON.stringify([request.text, request.voice, request.sampleRate, request.pace ?? 1]);
  let pcm = cache.get(key);
  if (!pcm) {
    pcm = queue.then(() => runEspeak(request));
    queue = pcm.catch(() => undefined);
    cache.set(key, pcm);
    pcm.catch(() => cache.delete(key));
  }
  return pcm;
}

interface EspeakModule {
  FS: { readFile(path: string): Uint8Array };
}

async function runEspeak(request: SpeechRequest): Promise<Buffer> {
  const errors: string[] = [];
  const wpm = String(Math.round(175 * (request.pace ?? 1)));
  // The module runs espeak-ng's CLI main() once per instance and writes the WAV into its memory FS.
  const espeak = (await ESpeakNg({
    arguments: ['-v', request.voice, '-s', wpm, '-w', '/tmp/out.wav', '--', request.text],
    print: () => undefined,
    printErr: (line: string) => errors.push(line),
  })) as EspeakModule;
  let bytes: Uint8Array;
  try {
    bytes = espeak.FS.readFile('/tmp/out.wav');
  } catch (err) {
    throw new Error(`espeak-ng produced no audio for voice ${request.voice}: ${errors.join(' ')}`, { cause: err });
  }
  const wav = parseWav(Buffer.from(bytes));
  return resample(wav.pcm, wav.sampleRate, request.sampleRate);
}
