export { ConfigError, loadConfig, env, commonSchema, sarvamSchema, openAiSchema } from './load-config.js';
export type { CommonConfig } from './load-config.js';
