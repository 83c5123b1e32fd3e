import { createLogger, onShutdown } from '@audexly/telemetry';
import { loadApiConfig } from './config.js';
import { serveApi } from './service.js';

const config = loadApiConfig(process.env);
const log = createLogger({ service: 'audexly-api', level: config.LOG_LEVEL, logPii: config.LOG_PII });
const running = await serveApi(config, log);
onShutdown(log, () => running.stop());
