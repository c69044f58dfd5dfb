/**
 * Omnibus core: declarations, the bus, middleware, errors and the driver spec. Imports no cloud SDK.
 *
 * @example
 * ```ts
 * import { createBus, defineQueue } from 'omnibus';
 * import { memory } from 'omnibus/memory';
 * const billing = defineQueue('billing');
 * const bus = createBus({ adapter: memory(), declarations: [billing] });
 * ```
 * @module
 */
export * from './attributes.js';
export * from './backoff.js';
export * from './batching.js';
export * from './bus.js';
export * from './clock.js';
export * from './codec.js';
export type { ConsumeOptions, Consumer } from './consumer.js';
export * from './dead-letters.js';
export * from './declarations.js';
export * from './driver.js';
export * from './envelope.js';
export * from './errors.js';
export * from './filter.js';
export type * from './hooks.js';
export * from './idempotency/errors.js';
export * from './idempotency/memory-store.js';
export * from './idempotency/payload-hash.js';
export type * from './idempotency/store.js';
export * from './limits.js';
export * from './logger.js';
export type * from './message.js';
export * from './middleware/idempotency.js';
export * from './middleware/retry.js';
export * from './middleware/validation.js';
export * from './pipeline.js';
export * from './plan.js';
export type { Outcome, Processor, ProcessorContext } from './processor.js';
export * from './schema.js';
export { BatchSendError } from './sender.js';
