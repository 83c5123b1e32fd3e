import { createLogger, onShutdown } from '@audexly/telemetry';
import { loadLlmConfig } from './config.js';
import { startLlmService } from './service.js';

const config = loadLlmConfig(process.env);
const log = createLogger({ service: 'audexly-llm', level: config.LOG_LEVEL, logPii: config.LOG_PII });
const running = await startLlmService(process.env, log);
onShutdown(log, () => running.stop());
