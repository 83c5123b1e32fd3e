/**
 * STT voice activity detection: how long after a caller starts speaking `speech.started` can be
 * published (the barge-in guard), how exact the onset stamp is, and the CPU cost per call-second.
 * Silero (default) and the energy VAD, on the recorded speech fixtures at 8/16/24 kHz (24 kHz is
 * the 16 kHz recording resampled), audio fed in 20 ms and 100 ms chunks as a gateway would.
 *
 * Run: npx tsc -b deploy/bench/tsconfig.build.json && node deploy/bench/dist/stt-vad.js
 */
import { resample, silence } from '@audexly/audio';
import type { SampleRate } from '@audexly/protocol';
import { EnergyVad, SileroVad, SpeechSegmenter, type VoiceActivityDetector } from '@audexly/stt';
import { loadSpeechFixture } from '@audexly/testing';

type Kind = 'silero' | 'energy';
const turn = { minSpeechMs: 200, endOfTurnSilenceMs: 500 };
/** Speech onset in each recording (from its levels), after 1000 ms of lead silence. */
const leadMs = 1000;
const onsetMs = { goforward: 500, numbers: 500 } as const;

async function fixture(name: keyof typeof onsetMs, rate: SampleRate): Promise<Buffer> {
  const { pcm } = await loadSpeechFixture(name, rate === 8000 ? 8000 : 16000);
  return rate === 24000 ? resample(pcm, 16000, 24000) : pcm;
}

async function vadOf(kind: Kind, rate: SampleRate): Promise<VoiceActivityDetector> {
  return kind === 'silero' ? SileroVad.create({ sampleRate: rate }) : new EnergyVad({ sampleRate: rate });
}

interface Detection {
  /** Audio time from the true onset until the chunk that completed the start had fully arrived. */
  publishAfterOnsetMs: number;
  /** Stamp error of speech.started's speechStartMs. */
  onsetErrorMs: number;
  /** Wall time spent processing that chunk. */
  chunkProcessingMs: number;
}

async function detect(
  kind: Kind,
  rate: SampleRate,
  name: keyof typeof onsetMs,
  chunkMs: number,
): Promise<Detection | null> {
  const audio = Buffer.concat([silence(leadMs, rate), await fixture(name, rate), silence(1500, rate)]);
  const vad = await vadOf(kind, rate);
  const segmenter = new SpeechSegmenter({ sampleRate: rate, turn, vad });
  const chunk = ((rate * chunkMs) / 1000) * 2;
  const truth = leadMs + onsetMs[name];
  try {
    for (let offset = 0; offset < audio.byteLength; offset += chunk) {
      const atMs = (offset / 2 / rate) * 1000;
      const t0 = performance.now();
      const actions = await segmenter.push(audio.subarray(offset, offset + chunk), atMs);
      const took = performance.now() - t0;
      const start = actions.find((a) => a.type === 'start');
      if (start?.type === 'start')
        return {
          publishAfterOnsetMs: atMs + chunkMs - truth,
          onsetErrorMs: start.speechStartMs - truth,
          chunkProcessingMs: took,
        };
    }
    return null;
  } finally {
    vad.close?.();
  }
}

/** CPU milliseconds per second of call audio, over `seconds` of speech and pauses. */
async function cpuPerCallSecond(kind: Kind, rate: SampleRate, seconds: number): Promise<number> {
  const one = Buffer.concat([
    await fixture('goforward', rate),
    silence(700, rate),
    await fixture('numbers', rate),
    silence(700, rate),
  ]);
  const vad = await vadOf(kind, rate);
  const segmenter = new SpeechSegmenter({ sampleRate: rate, turn, vad });
  const chunk = (rate / 50) * 2; // 20 ms chunks
  const oneMs = (one.byteLength / 2 / rate) * 1000;
  const cpu0 = process.cpuUsage();
  let fed = 0;
  for (let round = 0; fed < seconds * 1000; round++) {
    for (let offset = 0; offset < one.byteLength; offset += chunk)
      await segmenter.push(one.subarray(offset, offset + chunk), round * oneMs + (offset / 2 / rate) * 1000);
    fed += oneMs;
  }
  const cpu = process.cpuUsage(cpu0);
  vad.close?.();
  return (cpu.user + cpu.system) / 1000 / (fed / 1000);
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

console.log(`minSpeechMs ${turn.minSpeechMs}; Silero window 32 ms; onset truth 500 ms into each recording`);
console.log('vad     rate   chunk  fixture    speech.started after onset  onset stamp error  chunk processing');
for (const kind of ['silero', 'energy'] as const) {
  const after: number[] = [];
  for (const rate of [8000, 16000, 24000] as const) {
    for (const chunkMs of [20, 100]) {
      for (const name of ['goforward', 'numbers'] as const) {
        const d = await detect(kind, rate, name, chunkMs);
        if (!d) {
          console.log(`${kind.padEnd(7)} ${rate}  ${chunkMs} ms  ${name.padEnd(9)}  no start`);
          continue;
        }
        if (chunkMs === 20) after.push(d.publishAfterOnsetMs);
        console.log(
          `${kind.padEnd(7)} ${String(rate).padEnd(5)}  ${String(chunkMs).padStart(3)} ms ${name.padEnd(9)}  ${d.publishAfterOnsetMs.toFixed(0).padStart(6)} ms                 ${d.onsetErrorMs.toFixed(0).padStart(5)} ms         ${d.chunkProcessingMs.toFixed(2)} ms`,
        );
      }
    }
  }
  console.log(`${kind}: median speech.started after onset with 20 ms chunks: ${median(after).toFixed(0)} ms`);
}
for (const kind of ['silero', 'energy'] as const) {
  for (const rate of [8000, 16000, 24000] as const) {
    console.log(
      `${kind} ${rate} Hz: ${(await cpuPerCallSecond(kind, rate, 120)).toFixed(2)} ms CPU per call-second (120 s of audio, 20 ms chunks)`,
    );
  }
}
