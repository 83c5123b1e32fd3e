export { startTtsService, type TtsServiceOverrides } from './service.js';
export { ttsServiceConfigSchema } from './config.js';
