import { createLogger, onShutdown } from '@audexly/telemetry';
import { loadSttConfig } from './config.js';
import { startSttService } from './service.js';

const config = loadSttConfig(process.env);
const log = createLogger({ service: 'audexly-stt', level: config.LOG_LEVEL, logPii: config.LOG_PII });
const running = await startSttService(process.env, log);
onShutdown(log, () => running.stop());
