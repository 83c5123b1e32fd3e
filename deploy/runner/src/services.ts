import { fileURLToPath } from 'node:url';

/** The repository root, from src/ or dist/ of deploy/runner. */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface ServiceSpec {
  name: 'gateway' | 'stt' | 'llm' | 'tts' | 'recorder' | 'api';
  /** Built entry point, relative to the root. */
  entry: string;
  /** What to tell the operator it listens on. */
  listens: (env: NodeJS.ProcessEnv) => string;
  /** Readiness URL. */
  readyUrl: (env: NodeJS.ProcessEnv) => string;
  /** Variables only this service gets (ports). */
  env: Record<string, string>;
  /** Node flags for this service, as its container runs it (deploy/README.md, "Node flags"). */
  nodeArgs?: string[];
}

const stage = (name: ServiceSpec['name'], port: number): ServiceSpec => ({
  name,
  entry: `services/${name}/dist/main.js`,
  env: { METRICS_PORT: String(port) },
  listens: () => `ops http://127.0.0.1:${port}/metrics`,
  readyUrl: () => `http://127.0.0.1:${port}/readyz`,
});

/** The six services in start order: stages first, so the gateway's first claims find them. */
export const SERVICES: ServiceSpec[] = [
  stage('stt', 9101),
  stage('llm', 9102),
  stage('tts', 9103),
  stage('recorder', 9104),
  {
    name: 'api',
    entry: 'services/api/dist/main.js',
    env: {},
    listens: (env) => `http://127.0.0.1:${env.API_PORT ?? 3010} (dashboard, REST API)`,
    readyUrl: (env) => `http://127.0.0.1:${env.API_PORT ?? 3010}/api/v1/health`,
  },
  {
    name: 'gateway',
    entry: 'services/gateway/dist/main.js',
    env: {},
    // No V8 helper threads competing with the event loop that paces every call's audio, and fewer
    // old-generation collections.
    nodeArgs: ['--single-threaded', '--heap-growing-percent=100'],
    listens: (env) => `ws://127.0.0.1:${env.GATEWAY_PORT ?? 8000}/api/v1/telephony/exotel/stream (Exotel Voicebot)`,
    readyUrl: (env) => `http://127.0.0.1:${env.GATEWAY_PORT ?? 8000}/api/v1/health`,
  },
];
