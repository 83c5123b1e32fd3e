import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));

// Tests run the TypeScript sources directly: `@audexly/<lib>` resolves to libs/<lib>/src.
export default defineConfig({
  resolve: {
    alias: [
      { find: /^@audexly\/([a-z-]+)\/testing$/, replacement: `${root}libs/$1/src/testing/index.ts` },
      { find: /^@audexly\/([a-z-]+)$/, replacement: `${root}libs/$1/src/index.ts` },
    ],
  },
  test: {
    include: ['libs/*/src/**/*.test.ts', 'services/*/src/**/*.test.ts', 'deploy/*/src/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Integration tests share one NATS server; files run in parallel on separate call ids.
    pool: 'forks',
  },
});
