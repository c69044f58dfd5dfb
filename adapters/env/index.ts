/**
 * `omnibus/env`: a bus configured from the environment. `OMNIBUS_ADAPTER` picks the adapter
 * (`memory` | `aws` | `gcp` | `azure`, default `memory`), and each adapter reads its usual settings
 * (`AWS_ENDPOINT_URL` and the SDK's chain; `PUBSUB_EMULATOR_HOST` / `GOOGLE_CLOUD_PROJECT`;
 * `SERVICEBUS_CONNECTION_STRING`). Adapters are imported lazily, so only the chosen SDK is loaded.
 *
 * A Lambda bundle should import its one adapter directly (`omnibus/aws`) instead: a bundler follows this module's
 * dynamic imports and would pack every adapter.
 *
 * @example
 * ```ts
 * import { createBusFromEnv } from 'omnibus/env';
 * const bus = await createBusFromEnv({ declarations: [billing] });
 * ```
 * @module
 */
import { type Bus, type BusOptions, createBus } from '../../core/bus.js';
import type { Driver } from '../../core/driver.js';
import { ConfigurationError } from '../../core/errors.js';

/** The adapters `OMNIBUS_ADAPTER` can name. */
export const ADAPTERS = ['memory', 'aws', 'gcp', 'azure'] as const;
/** An adapter name. */
export type AdapterName = (typeof ADAPTERS)[number];

/**
 * Reads and checks `OMNIBUS_ADAPTER`.
 *
 * @example
 * ```ts
 * adapterName({ OMNIBUS_ADAPTER: 'aws' }); // 'aws'
 * ```
 */
export function adapterName(env: NodeJS.ProcessEnv = process.env): AdapterName {
  const value = (env.OMNIBUS_ADAPTER ?? 'memory').trim().toLowerCase();
  if (!(ADAPTERS as readonly string[]).includes(value)) {
    throw new ConfigurationError('OMNIBUS_ADAPTER', `is "${value}"; expected one of ${ADAPTERS.join(', ')}`);
  }
  return value as AdapterName;
}

/** Loaders per adapter; each imports its module only when called. */
const loaders: Record<AdapterName, (env: NodeJS.ProcessEnv) => Promise<Driver>> = {
  memory: async () => (await import('../memory/index.js')).memory(),
  aws: async (env) => (await import('../aws/index.js')).awsFromEnv(env),
  gcp: async (env) => (await import('../gcp/index.js')).gcpFromEnv(env),
  azure: async (env) => (await import('../azure/index.js')).azureFromEnv(env),
};

/**
 * The driver named by `OMNIBUS_ADAPTER`, configured from the environment.
 *
 * @example
 * ```ts
 * const driver = await adapterFromEnv();
 * ```
 */
export async function adapterFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<Driver> {
  return loaders[adapterName(env)](env);
}

/**
 * A bus on the adapter named by `OMNIBUS_ADAPTER`.
 *
 * @example
 * ```ts
 * const bus = await createBusFromEnv({ declarations: [billing], logger: consoleLogger() });
 * ```
 */
export async function createBusFromEnv(
  options: Omit<BusOptions, 'adapter'> = {},
  env: NodeJS.ProcessEnv = process.env,
): Promise<Bus> {
  return createBus({ ...options, adapter: await adapterFromEnv(env) });
}
