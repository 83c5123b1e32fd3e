import { createLogger, onShutdown } from '@audexly/telemetry';
import { loadGatewayConfig } from './config.js';
import { serveGateway } from './service.js';

const config = loadGatewayConfig(process.env);
const log = createLogger({ service: 'audexly-gateway', level: config.LOG_LEVEL, logPii: config.LOG_PII });
const gateway = await serveGateway(config, log);
onShutdown(log, () => gateway.stop());
