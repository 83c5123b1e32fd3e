export { startRecorderService, type RecorderOverrides } from './service.js';
export { recorderSchema } from './config.js';
