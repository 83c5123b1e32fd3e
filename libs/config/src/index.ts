export { ConfigError, loadConfig, env, commonSchema, sarvamSchema, openAiSchema } from './load-config.js';
