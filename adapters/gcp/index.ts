/**
 * `omnibus/gcp`: the Google Cloud Pub/Sub adapter (and the Firestore idempotency store). Imports
 * `@google-cloud/pubsub` lazily, on the driver's first call.
 *
 * @example
 * ```ts
 * import { createBus, defineQueue } from 'omnibus';
 * import { gcp } from 'omnibus/gcp';
 *
 * const billing = defineQueue('billing');
 * const bus = createBus({ adapter: gcp({ projectId: 'my-project' }), declarations: [billing] });
 * await bus.provision();
 * ```
 * @module
 */
export { decodeAttributes, encodeAttributes, TARGET_ATTRIBUTE, TYPES_ATTRIBUTE } from './attribute-codec.js';
export type { GcpClientOptions } from './clients.js';
export { type GcpOptions, gcp } from './driver.js';
export { type ClientOnlyCondition, type FilterTranslation, toFilterExpression } from './filter-expression.js';
export {
  DEFAULT_IDEMPOTENCY_COLLECTION,
  DEFAULT_MAX_CONFLICT_RETRIES,
  type FirestoreIdempotencyStoreOptions,
  firestoreIdempotencyStore,
} from './firestore-store.js';
export { gcpFromEnv } from './from-env.js';
export * from './limits.js';
export { subscriptionIdOf, topicIdOf } from './names.js';
