/**
 * Shapes of the emulator configuration that `test/setup/global-setup.ts` provides to test workers
 * (`inject('emulators')`) and that `scripts/emulators.ts` prints. Plain JSON: it crosses the worker boundary.
 */

/** The local services the project knows how to start. */
export const SERVICE_NAMES = ['aws', 'pubsub', 'firestore', 'redis', 'azurite'] as const;

/** One of {@link SERVICE_NAMES}. */
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** A service that is not available, with a one-line reason that says how to get it. */
export interface Missing {
  /** One line: what is missing and how to install or start it. */
  readonly missing: string;
  /** False when the service was left out on purpose (`OMNIBUS_EMULATORS`); true when it was wanted. */
  readonly requested: boolean;
}

/** moto (or LocalStack, through `AWS_ENDPOINT_URL`): SQS, SNS, DynamoDB. */
export interface AwsEmulator {
  /** Base URL for every AWS SDK client, e.g. `http://127.0.0.1:41234`. */
  readonly endpoint: string;
  /** Region the SDK must be given; moto keeps state per region. */
  readonly region: string;
}

/** Google Pub/Sub emulator. */
export interface PubSubEmulator {
  /** `host:port`, the value `PUBSUB_EMULATOR_HOST` would hold. */
  readonly host: string;
  /** Any project id works on the emulator; tests share this one. */
  readonly projectId: string;
}

/** Google Firestore emulator. */
export interface FirestoreEmulator {
  /** `host:port`, the value `FIRESTORE_EMULATOR_HOST` would hold. */
  readonly host: string;
  /** Project id the tests use. */
  readonly projectId: string;
}

/** Redis server. */
export interface RedisEmulator {
  /** `redis://127.0.0.1:PORT`. */
  readonly url: string;
}

/** Azurite table service. */
export interface AzuriteEmulator {
  /** Table endpoint including the account path, e.g. `http://127.0.0.1:10002/devstoreaccount1`. */
  readonly tableEndpoint: string;
  /** Connection string with the well-known development account. */
  readonly connectionString: string;
}

/** What each service looks like once it answers. */
export interface ReadyEmulators {
  readonly aws: AwsEmulator;
  readonly pubsub: PubSubEmulator;
  readonly firestore: FirestoreEmulator;
  readonly redis: RedisEmulator;
  readonly azurite: AzuriteEmulator;
}

/** The whole provided object: every service is either ready or {@link Missing}. */
export type Emulators = { readonly [K in ServiceName]: ReadyEmulators[K] | Missing };

/** The ready configuration of service `K`. */
export type Ready<K extends ServiceName> = ReadyEmulators[K];

/** True when `value` is a {@link Missing} record. */
export function isMissing(value: unknown): value is Missing {
  return typeof value === 'object' && value !== null && 'missing' in value;
}

declare module 'vitest' {
  interface ProvidedContext {
    /** Set by `test/setup/global-setup.ts`. */
    emulators: Emulators;
  }
}
