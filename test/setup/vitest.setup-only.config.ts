import { defineConfig } from 'vitest/config';

// Temporary: runs only the emulator setup tests until the root vitest.config.ts has the global setup.
export default defineConfig({
  test: {
    globalSetup: ['test/setup/global-setup.ts'],
    include: ['test/setup/**/*.test.ts'],
    testTimeout: 30_000,
  },
});
