/**
 * The Pub/Sub driver configured from the environment, for `omnibus/env` (`OMNIBUS_ADAPTER=gcp`): project id from
 * `GOOGLE_CLOUD_PROJECT` / `PUBSUB_PROJECT_ID` (else the client's own discovery), the emulator from
 * `PUBSUB_EMULATOR_HOST`, credentials the client's usual way.
 *
 * @example
 * ```ts
 * const driver = gcpFromEnv(process.env);
 * ```
 * @module
 */
import type { Driver } from '../../core/driver.js';
import { type GcpOptions, gcp } from './driver.js';

/**
 * A Pub/Sub driver from environment variables.
 *
 * @example
 * ```ts
 * gcpFromEnv({ PUBSUB_EMULATOR_HOST: '127.0.0.1:8085', GOOGLE_CLOUD_PROJECT: 'omnibus-local' });
 * ```
 */
export function gcpFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): Driver {
  const projectId = env.GOOGLE_CLOUD_PROJECT ?? env.PUBSUB_PROJECT_ID ?? env.GCLOUD_PROJECT;
  const options: { -readonly [K in keyof GcpOptions]: GcpOptions[K] } = {};
  if (projectId) options.projectId = projectId;
  return gcp(options);
}
