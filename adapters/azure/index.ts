/**
 * `omnibus/azure`: the Azure Service Bus adapter. Queues and topics/subscriptions on one namespace: sessions for
 * ordering, scheduled messages for delays, duplicate detection for dedup, SQL rules for filters, native
 * dead-lettering with the envelope as reason and properties, and an idempotency store on Azure Table storage.
 * Imports only `@azure/*` SDKs (lazily), never another cloud's.
 *
 * @example
 * ```ts
 * import { createBus, defineQueue } from 'omnibus';
 * import { azure } from 'omnibus/azure';
 *
 * const billing = defineQueue('billing');
 * const bus = createBus({ adapter: azure({ connectionString: process.env.SERVICEBUS_CONNECTION_STRING! }), declarations: [billing] });
 * await bus.provision();
 * ```
 * @module
 */
export {
  isLoopbackHost,
  type ParsedConnectionString,
  parseConnectionString,
  redact,
} from './connection-string.js';
export { type AzureDriver, type AzureOptions, azure, azureFromEnv, type Provisioner } from './driver.js';
export { LEASE_LOST, ServiceBusRequestError, toOmnibusError } from './errors.js';
export * from './limits.js';
export type { EntityCounts, ListedRule, ServiceBusTwinLike } from './provisioner.js';
export { conditionSql, sqlFilterOf } from './sql-filter.js';
export {
  type AzureTableIdempotencyStore,
  type AzureTableIdempotencyStoreOptions,
  azureTableIdempotencyStore,
  TABLE_MAX_ENTITY_BYTES,
  TABLE_MAX_RESULT_UNITS,
} from './table-store.js';
export { type EntityPlan, planEntities } from './topology.js';
export { ROUTING_PROPERTY } from './wire.js';
