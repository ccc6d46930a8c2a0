import { defineConfig } from 'vitest/config';

export const config = defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**', 'bench/**/node_modules/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    globalSetup: ['test/support/global-setup.ts'],
  },
});

// biome-ignore lint/style/noDefaultExport: vitest loads the config from the default export
export default config;
