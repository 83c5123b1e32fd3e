export { startGateway, STREAM_PATH, type GatewayOptions, type RunningGateway } from './service.js';
export { gatewaySchema, loadGatewayConfig, type GatewayConfig } from './config.js';
export type { ClaimFunction } from './claims.js';
