export { startSttService, type SttServiceOverrides } from './service.js';
export { sttConfigSchema } from './config.js';
// The VAD bench (deploy/bench/src/stt-vad.ts) measures these on their own.
export { SpeechSegmenter } from './speech-segmenter.js';
export { EnergyVad, type VoiceActivityDetector } from './vad.js';
export { SileroVad } from './silero-vad.js';
