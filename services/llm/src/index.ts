export { startLlmService, type LlmServiceOverrides } from './service.js';
export { llmServiceConfigSchema } from './config.js';
