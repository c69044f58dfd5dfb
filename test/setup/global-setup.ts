/**
 * Vitest `globalSetup`: starts the local emulators (moto, Pub/Sub, Firestore, Redis, Azurite tables) in parallel on
 * free loopback ports and provides their configuration to tests as `inject('emulators')` (see
 * `test/support/emulators.ts`). Environment:
 * - `OMNIBUS_EMULATORS=aws,redis` (or `gcp`, `azure`, `none`, …) starts only some; default all.
 * - `AWS_ENDPOINT_URL`, `PUBSUB_EMULATOR_HOST`, `FIRESTORE_EMULATOR_HOST`, `REDIS_URL` use an instance already running.
 * - `CI=true`: a wanted service that cannot start fails the whole run; otherwise it is skipped with one line.
 */
import type { TestProject } from 'vitest/node';
import { SERVICE_NAMES } from './emulator-types.js';
import { isCi } from './services/ci.js';
import { createLogDir } from './services/log-dir.js';
import { parseSelection } from './services/selection.js';
import { missingLines, startServices, summaryLine } from './services/start-services.js';

/** Project id the Google emulators are used with in tests. */
const TEST_PROJECT_ID = 'omnibus-test';

/** Starts the emulators, provides `emulators`, and returns the teardown that stops them. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const ci = isCi();
  const list = process.env.OMNIBUS_EMULATORS;
  const selected = parseSelection(list);
  const wanted = new Set(SERVICE_NAMES.filter((name) => selected.has(name)));
  const running = await startServices({
    wanted,
    leftOutReason: `left out by OMNIBUS_EMULATORS=${list ?? ''}`,
    logDir: createLogDir(),
    projectId: TEST_PROJECT_ID,
    fixedPorts: false,
    useEnv: true,
  });
  const failures = missingLines(running, true);
  if (ci && failures.length > 0) {
    await running.stop();
    throw new Error(
      [
        `CI=true needs every emulator, but ${failures.length} could not start:`,
        ...failures.map((line) => `  - ${line}`),
        'Install what is missing, or leave services out explicitly with OMNIBUS_EMULATORS (e.g. OMNIBUS_EMULATORS=aws,redis).',
      ].join('\n'),
    );
  }
  if (wanted.size > 0) console.log(summaryLine(running));
  for (const line of failures) console.warn(`emulators: skipping ${line}`);
  project.provide('emulators', running.emulators);
  return () => running.stop();
}
