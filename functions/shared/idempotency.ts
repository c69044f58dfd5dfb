/**
 * Idempotency for function handlers: the bus's idempotency options with a store whose in-progress claims are
 * capped at the invocation's deadline (see `bounded-store.ts`). Imports no cloud SDK: the store (DynamoDB,
 * Firestore, Azure Table, Redis, memory) is the caller's.
 *
 * @example
 * ```ts
 * bus.processor(billing, handler, { idempotency: functionIdempotency({ store: dynamoDbIdempotencyStore({ tableName }) }) });
 * ```
 * @module
 */
import type { BusIdempotencyOptions } from '../../core/bus.js';
import { ConfigurationError } from '../../core/errors.js';
import { invocationBoundStore } from './bounded-store.js';

/**
 * Idempotency options of a function handler (the bus's: store, key, TTL, result caching …), or `false` to turn
 * the bus's own idempotency off for this handler.
 */
export type FunctionIdempotencyOptions = BusIdempotencyOptions;

/**
 * The options with the store capped at the invocation deadline. The claim lasts the source's lease (renewed while
 * the handler runs) unless `inProgressSeconds` is given, and never past the invocation.
 *
 * @example
 * ```ts
 * functionIdempotency({ store, key: (m) => (m.body as Order).orderId });
 * ```
 */
export function functionIdempotency(options: FunctionIdempotencyOptions): FunctionIdempotencyOptions {
  if (!options.store || typeof options.store.acquire !== 'function') {
    throw new ConfigurationError('idempotency.store', 'is required (an IdempotencyStore)');
  }
  return { ...options, store: invocationBoundStore(options.store) };
}
