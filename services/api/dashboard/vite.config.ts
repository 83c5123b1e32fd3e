import { fileURLToPath } from 'node:url';
import { defaultClientConditions, defineConfig } from 'vite';

/**
 * The dashboard: a Preact SPA built into services/api/public, which the api serves at `/`.
 * JSX goes through Vite's own transformer (Oxc in Vite 8) with Preact's automatic runtime.
 * The `source` export condition (as in the root tsconfig) takes the workspace libraries'
 * TypeScript sources, e.g. `@audexly/protocol/catalogue`, so a build never depends on a stale dist.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  resolve: { conditions: ['source', ...defaultClientConditions] },
  build: {
    outDir: fileURLToPath(new URL('../public', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    reportCompressedSize: true,
    chunkSizeWarningLimit: 200,
  },
});
