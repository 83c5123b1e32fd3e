export { startApi, type ApiOptions, type RunningApi } from './service.js';
export { apiSchema } from './config.js';
