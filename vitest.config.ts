import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));

const ALL = ['libs/*/src/**/*.test.ts', 'services/*/src/**/*.test.ts', 'deploy/*/src/**/*.test.ts'];
const WHOLE_PLATFORM = [
  'deploy/runner/src/e2e.test.ts',
  'deploy/runner/src/conversation.e2e.test.ts',
  'deploy/runner/src/failover.test.ts',
  'services/api/src/dashboard.browser.test.ts',
  'services/recorder/src/recorder-restart.test.ts',
];

// Tests run the TypeScript sources directly: `@audexly/<lib>` resolves to libs/<lib>/src.
export default defineConfig({
  resolve: {
    alias: [
      { find: /^@audexly\/([a-z-]+)\/testing$/, replacement: `${root}libs/$1/src/testing/index.ts` },
      { find: /^@audexly\/([a-z-]+)$/, replacement: `${root}libs/$1/src/index.ts` },
    ],
  },
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Tests share one NATS server and keep apart by unique call ids and claim subjects. Unit and
    // stage tests run files in parallel; the whole-platform tests (all six services, child
    // processes, a browser) each load the machine, so `npm test` runs them after, one at a time.
    projects: [
      { extends: true, test: { name: 'unit', include: ALL, exclude: WHOLE_PLATFORM } },
      { extends: true, test: { name: 'platform', include: WHOLE_PLATFORM } },
    ],
  },
});
