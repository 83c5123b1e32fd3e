import { createLogger, onShutdown } from '@audexly/telemetry';
import { loadTtsConfig } from './config.js';
import { startTtsService } from './service.js';

const config = loadTtsConfig(process.env);
const log = createLogger({ service: 'audexly-tts', level: config.LOG_LEVEL, logPii: config.LOG_PII });
const running = await startTtsService(process.env, log);
onShutdown(log, () => running.stop());
