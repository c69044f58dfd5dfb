/**
 * Helpers for test files that talk to the emulators started by `test/setup/global-setup.ts`.
 *
 * ```ts
 * describeWithEmulator('aws', 'sqs driver', (aws) => {
 *   const sqs = new SQSClient(awsClientConfig());
 *   it('sends', async () => { … uniqueName('orders') … });
 * });
 * ```
 */
import { randomUUID } from 'node:crypto';
import { describe, inject, it } from 'vitest';
import { isMissing, type Missing, type Ready, type ServiceName } from '../setup/emulator-types.js';
import { isCi } from '../setup/services/ci.js';

const NOT_SET_UP: Missing = {
  missing: "no emulator configuration: add 'test/setup/global-setup.ts' to globalSetup in vitest.config.ts",
  requested: true,
};

/** The provided configuration of `name`, or the {@link Missing} record saying why it is not there. */
export function emulatorStatus<K extends ServiceName>(name: K): Ready<K> | Missing {
  const all = inject('emulators') as Partial<Record<ServiceName, unknown>> | undefined;
  return (all?.[name] as Ready<K> | Missing | undefined) ?? NOT_SET_UP;
}

/** The configuration of emulator `name`, or undefined when it is not available in this run. */
export function emulator<K extends ServiceName>(name: K): Ready<K> | undefined {
  const status = emulatorStatus(name);
  return isMissing(status) ? undefined : status;
}

/** The configuration of emulator `name`; throws with the reason when it is missing. */
export function requireEmulator<K extends ServiceName>(name: K): Ready<K> {
  const status = emulatorStatus(name);
  if (isMissing(status)) throw new Error(`${name} emulator not available: ${status.missing}`);
  return status;
}

const WARNED = Symbol.for('omnibus.emulators.warned');

/** Warns once per service and worker (kept on `globalThis`, so it survives per-file module isolation). */
function warnOnce(name: ServiceName, reason: string): void {
  const store = globalThis as { [WARNED]?: Set<ServiceName> };
  store[WARNED] ??= new Set();
  if (store[WARNED].has(name)) return;
  store[WARNED].add(name);
  console.warn(`[emulators] skipping tests that need ${name}: ${reason}`);
}

/**
 * `describe(title, () => fn(config))` when emulator `name` is available. When it is missing, the suite is skipped
 * (one `console.warn` per service and worker, and a skipped placeholder test that names the reason); under `CI=true`
 * a missing service that was wanted fails instead, since CI must never silently skip.
 */
export function describeWithEmulator<K extends ServiceName>(
  name: K,
  title: string,
  fn: (config: Ready<K>) => void,
): void {
  const status = emulatorStatus(name);
  if (!isMissing(status)) {
    describe(title, () => fn(status));
    return;
  }
  if (isCi() && status.requested) {
    describe(title, () => {
      it(`needs the ${name} emulator`, () => {
        throw new Error(`${name} emulator missing under CI=true: ${status.missing}`);
      });
    });
    return;
  }
  warnOnce(name, status.missing);
  describe.skip(title, () => {
    it(`needs ${name}: ${status.missing}`, () => {});
  });
}

/**
 * Like {@link describeWithEmulator}, but registers `fn`'s tests at the current level (no wrapping describe), so
 * their full names are exactly what `fn` gives them — the conformance suite's names must start with `[adapter]`.
 * When the emulator is missing, the placeholder suite is named `title`.
 */
export function withEmulator<K extends ServiceName>(
  name: K,
  title: string,
  fn: (config: Ready<K>) => void,
): void {
  const status = emulatorStatus(name);
  if (!isMissing(status)) {
    fn(status);
    return;
  }
  describeWithEmulator(name, title, fn);
}

let counter = 0;

/** Options of {@link uniqueName}. */
export interface UniqueNameOptions {
  /** Letters and digits only (Azure table names allow no hyphen). */
  readonly alphanumeric?: boolean;
}

/**
 * A short name no other test (file, worker or earlier run against the same emulator) uses:
 * `<prefix>-w<worker>-<counter>-<random>`, lowercase letters, digits and hyphens, starting with a letter, at most
 * 63 characters: legal for SQS queues and SNS topics (add `.fifo` yourself), Pub/Sub topics and subscriptions,
 * Service Bus entities, DynamoDB and (with `alphanumeric`) Azure tables.
 */
export function uniqueName(prefix: string, options: UniqueNameOptions = {}): string {
  counter += 1;
  let clean = prefix
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 36);
  if (!/^[a-z]/.test(clean)) clean = `n${clean}`;
  const worker = process.env.VITEST_POOL_ID ?? process.env.VITEST_WORKER_ID ?? '0';
  const random = randomUUID().replaceAll('-', '').slice(0, 6);
  const parts = [clean, `w${worker}`, String(counter), random];
  return options.alphanumeric ? parts.join('').replaceAll('-', '') : parts.join('-');
}

/** Configuration for any AWS SDK v3 client pointed at moto: endpoint, region and dummy credentials. */
export interface AwsClientConfig {
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

/** `new SQSClient(awsClientConfig())`; throws when the aws emulator is missing. */
export function awsClientConfig(): AwsClientConfig {
  const aws = requireEmulator('aws');
  return {
    endpoint: aws.endpoint,
    region: aws.region,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  };
}

/** `new PubSub(pubsubClientConfig())`: emulator endpoint without TLS or credentials, no env var needed. */
export function pubsubClientConfig(): { projectId: string; apiEndpoint: string; emulatorMode: true } {
  const pubsub = requireEmulator('pubsub');
  return { projectId: pubsub.projectId, apiEndpoint: pubsub.host, emulatorMode: true };
}

/** `new Firestore(firestoreClientConfig())`: `ssl: false` makes the client send the emulator's owner token. */
export function firestoreClientConfig(): { projectId: string; host: string; ssl: false } {
  const firestore = requireEmulator('firestore');
  return { projectId: firestore.projectId, host: firestore.host, ssl: false };
}

/**
 * `TableClient.fromConnectionString(c.connectionString, table, c.clientOptions)` against Azurite (plain HTTP needs
 * `allowInsecureConnection`).
 */
export function azuriteTablesConfig(): {
  connectionString: string;
  clientOptions: { allowInsecureConnection: true };
} {
  return {
    connectionString: requireEmulator('azurite').connectionString,
    clientOptions: { allowInsecureConnection: true },
  };
}
