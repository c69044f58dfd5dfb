/**
 * Cold-start entry: the Omnibus Cloud Run function (CloudEvent) handler for Pub/Sub with a dead-letter queue
 * (declared by default) and idempotency on Firestore.
 *
 * @example
 * ```ts
 * export { handler } from './omnibus-gcp.js';
 * ```
 * @module
 */
import { firestoreIdempotencyStore, gcp } from '../../../adapters/gcp/index.js';
import { createBus, defineQueue } from '../../../core/index.js';
import { pubsubCloudEventHandler } from '../../../functions/gcp/index.js';

const orders = defineQueue('orders', { maxAttempts: 5 });
const bus = createBus({
  adapter: gcp(),
  declarations: [orders],
  idempotency: { store: firestoreIdempotencyStore() },
});

/** The CloudEvent handler. */
export const handler = pubsubCloudEventHandler(bus, orders, async (message) => {
  void message.body;
});
