export { startGateway, type GatewayOptions, type RunningGateway } from './service.js';
export { gatewaySchema } from './config.js';
export type { ClaimFunction } from './claims.js';
