import { defineConfig } from 'vitest/config';

export const config = defineConfig({
  test: {
    include: ['**/*.test.ts'],
    // .tmp holds the docker tests' engine data root: image layers carry other packages' test files.
    exclude: ['node_modules/**', 'dist/**', 'bench/**/node_modules/**', '.tmp/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    globalSetup: ['test/support/global-setup.ts'],
  },
});

// biome-ignore lint/style/noDefaultExport: vitest loads the config from the default export
export default config;
