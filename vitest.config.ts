import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * Tests run the TypeScript sources directly, reached as everything else reaches a package: through
 * its `exports`. Each workspace package under libs/ and services/ maps every entry it exports
 * (`@audexly/bus`, `@audexly/protocol/catalogue`, `@audexly/gateway/testing`) to the entry's
 * `source` file, so nothing can be imported that the package does not export.
 */
function workspaceAliases(): Array<{ find: RegExp; replacement: string }> {
  const aliases: Array<{ find: RegExp; replacement: string }> = [];
  for (const dir of ['libs', 'services']) {
    for (const name of readdirSync(`${root}${dir}`)) {
      let pkg: { name?: string; exports?: Record<string, { source?: string }> };
      try {
        pkg = JSON.parse(readFileSync(`${root}${dir}/${name}/package.json`, 'utf8')) as typeof pkg;
      } catch {
        continue;
      }
      for (const [entry, target] of Object.entries(pkg.exports ?? {})) {
        if (!pkg.name || !target.source) continue;
        const specifier = `${pkg.name}${entry.slice(1)}`; // '.' → '@audexly/bus', './api' → '@audexly/protocol/api'
        aliases.push({
          find: new RegExp(`^${specifier.replace(/[./]/g, '\\$&')}$`),
          replacement: `${root}${dir}/${name}/${target.source.slice(2)}`,
        });
      }
    }
  }
  return aliases;
}

const ROOTS = ['libs/*/src/**/', 'services/*/src/**/', 'deploy/*/src/**/'];
const ALL = ROOTS.map((root) => `${root}*.test.ts`);
const WHOLE_PLATFORM = [
  'deploy/runner/src/e2e.test.ts',
  'deploy/runner/src/conversation.e2e.test.ts',
  'deploy/runner/src/nats-cluster.e2e.test.ts',
  'deploy/runner/src/gateway-rolling.e2e.test.ts',
  'deploy/runner/src/backchannel.e2e.test.ts',
  'deploy/runner/src/end-of-turn.e2e.test.ts',
  'deploy/runner/src/speech-ahead.e2e.test.ts',
  'deploy/runner/src/caller-words.e2e.test.ts',
  'deploy/runner/src/playout-gaps.e2e.test.ts',
  'deploy/runner/src/nats-restart.e2e.test.ts',
  'deploy/runner/src/failover.test.ts',
  'deploy/runner/src/tracing.e2e.test.ts',
  'deploy/runner/src/rolling-drain.test.ts',
  'deploy/runner/src/call-ending.test.ts',
  'services/api/src/dashboard.browser.test.ts',
  'services/recorder/src/recorder-restart.test.ts',
];
/**
 * Tests that need a real NATS: a service started over the bus, claims, heartbeats, JetStream
 * (streams, KV, the event log). Named `*.integration.test.ts`, or listed here until their owners
 * rename them. Everything else is a unit test and passes with no NATS server at all.
 */
const INTEGRATION = [
  ...ROOTS.map((root) => `${root}*.integration.test.ts`),
  'libs/bus/src/audio-capture.test.ts',
  'libs/bus/src/bus.test.ts',
  'libs/bus/src/claims.test.ts',
  'libs/bus/src/provision.test.ts',
  'libs/stage/src/ops-host.test.ts',
  'libs/stage/src/run-stage.test.ts',
  'libs/stage/src/stage-runtime.test.ts',
  'libs/storage/src/recording-store.test.ts',
  'services/api/src/agent-settings.test.ts',
  'services/api/src/control-plane.test.ts',
  'services/api/src/outbound.test.ts',
  'services/api/src/refused-writes.test.ts',
  'services/api/src/request-log.test.ts',
  'services/api/src/service.test.ts',
  'services/gateway/src/call-release.test.ts',
  'services/gateway/src/call/call-ended.test.ts',
  'services/gateway/src/fuzz.test.ts',
  'services/gateway/src/gateway-edge.test.ts',
  'services/gateway/src/gateway.test.ts',
  'services/gateway/src/stage-watch.test.ts',
  'services/gateway/src/telephony/logs-keep-secrets.test.ts',
];

export default defineConfig({
  resolve: {
    alias: workspaceAliases(),
  },
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Seeds fast-check (FC_SEED, else a fixed seed): random test input is the same on every run.
    setupFiles: ['./vitest.setup.ts'],
    // Unit tests need nothing but this repository (stage logic runs on the in-memory call port of
    // `@audexly/stage/testing`). Integration tests share one NATS server and keep apart by unique
    // call ids and claim subjects; both run files in parallel. The whole-platform tests (all six
    // services, child processes, a browser) each load the machine, so `npm test` runs them after,
    // one at a time.
    projects: [
      { extends: true, test: { name: 'unit', include: ALL, exclude: [...INTEGRATION, ...WHOLE_PLATFORM] } },
      { extends: true, test: { name: 'integration', include: INTEGRATION, exclude: WHOLE_PLATFORM } },
      { extends: true, test: { name: 'platform', include: WHOLE_PLATFORM } },
    ],
  },
});
