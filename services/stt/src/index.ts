export { startSttService, type SttServiceOverrides } from './service.js';
export { SpeechSegmenter, type SegmenterAction, type SpeechSegmenterOptions } from './speech-segmenter.js';
export { TurnDetector, type TurnDetectorOptions, type TurnEvent } from './turn-detector.js';
export { EnergyVad, type EnergyVadOptions, type VoiceActivityDetector } from './vad.js';
export { SileroVad, type SileroVadOptions } from './silero-vad.js';
export { SileroModel, sharedSileroModel } from './silero-model.js';
