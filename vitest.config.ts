import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url));

// Tests import packages by their public names; the aliases point those names at source so no build is needed first.
export default defineConfig({
  resolve: {
    alias: {
      '@kordon/engine': src('engine'),
      '@kordon/review': src('review'),
      '@kordon/source/testing': fileURLToPath(new URL('./packages/source/src/cluster/testing/index.ts', import.meta.url)),
      '@kordon/source': src('source'),
      '@kordon/dataplane': src('dataplane'),
      '@kordon/cli': src('cli'),
      '@kordon/bench': src('bench'),
    },
  },
  test: {
    // shared/ (conformance data, seeds) sits beside the repository, on developers' machines and in CI alike.
    env: { KORDON_SHARED: process.env['KORDON_SHARED'] ?? fileURLToPath(new URL('../shared', import.meta.url)) },
    include: ['packages/*/src/**/*.test.ts', 'packages/*/e2e/**/*.test.ts', 'examples/**/*.test.ts'],
    testTimeout: 30_000,
    pool: 'forks',
  },
});
