import { defineConfig } from 'vitest/config';

/**
 * One config for every test. The global setup starts the emulators the wire tests need (moto, the Pub/Sub and
 * Firestore emulators, Redis, Azurite) and stops them afterwards, so `npx vitest run <path>` works alone.
 * `OMNIBUS_EMULATORS=none npx vitest run test/unit` skips starting them.
 */
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['**/node_modules/**'],
    globalSetup: ['test/setup/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 90_000,
    teardownTimeout: 30_000,
    pool: 'forks',
    // The wire suites mostly wait on emulators and real-time leases, so three files at once fit two cores.
    maxWorkers: 3,
  },
});
