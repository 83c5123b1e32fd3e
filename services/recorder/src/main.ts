import { createLogger, onShutdown } from '@audexly/telemetry';
import { loadRecorderConfig } from './config.js';
import { startRecorderService } from './service.js';

const config = loadRecorderConfig(process.env);
const log = createLogger({ service: 'audexly-recorder', level: config.LOG_LEVEL, logPii: config.LOG_PII });
const running = await startRecorderService(process.env, log);
onShutdown(log, () => running.stop());
