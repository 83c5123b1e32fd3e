import { commonSchema, env, loadConfig } from '@audexly/config';

/** The API's environment (see docs/architecture.md, "Configuration contract"). */
export const apiSchema = commonSchema.extend({
  API_PORT: env.port(3010).describe('control plane API and dashboard port'),
  AUDEXLY_API_TOKEN: env.secret().optional().describe('bearer token every API call must send; the API is open when unset (development only)'),
});

export type ApiConfig = ReturnType<typeof loadApiConfig>;

export function loadApiConfig(vars: Record<string, string | undefined>) {
  return loadConfig(apiSchema, vars);
}
