/**
 * The memory-pipeline workload shared by both contenders: one order per message, a hand-written Standard Schema
 * (so both sides pay the same, minimal validation cost and the difference is the framework), one poison message
 * in a thousand (its handler throws a non-retryable error: it is dead-lettered at once), and a handler that does a
 * token amount of work.
 *
 * @example
 * ```ts
 * const body = orderBody(7); // { orderId: 'o-7', amount: 7, poison: false }
 * orderSchema['~standard'].validate(body); // { value: body }
 * ```
 * @module
 */
import type { StandardSchemaV1 } from '@standard-schema/spec';

/** One message body. */
export interface Order {
  readonly orderId: string;
  readonly amount: number;
  readonly poison: boolean;
}

/** One message in a thousand is poison (its handler fails for good). */
export const POISON_EVERY = 1000;

/**
 * The body of message `i`.
 *
 * @example
 * ```ts
 * orderBody(999).poison; // true
 * ```
 */
export function orderBody(i: number): Order {
  return { orderId: `o-${i}`, amount: i % 997, poison: i % POISON_EVERY === POISON_EVERY - 1 };
}

/**
 * Number of poison messages among the first `n`.
 *
 * @example
 * ```ts
 * poisonCount(10_000); // 10
 * ```
 */
export function poisonCount(n: number): number {
  return Math.floor(n / POISON_EVERY);
}

function isOrder(value: unknown): value is Order {
  const v = value as Partial<Order> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.orderId === 'string' &&
    typeof v.amount === 'number' &&
    typeof v.poison === 'boolean'
  );
}

/**
 * The body schema (Standard Schema v1), synchronous and allocation-light.
 *
 * @example
 * ```ts
 * defineQueue('orders', { schema: orderSchema });
 * ```
 */
export const orderSchema: StandardSchemaV1<Order, Order> = {
  '~standard': {
    version: 1,
    vendor: 'omnibus-bench',
    validate: (value) => (isOrder(value) ? { value } : { issues: [{ message: 'not an order' }] }),
  },
};

/** Raised by the handler for poison messages. */
export class PoisonError extends Error {
  override readonly name = 'PoisonError';
}

/** What the handlers accumulate (so the work cannot be optimized away). */
export const sink = { total: 0 };

/**
 * The token work done per message: add the amount; throw for poison.
 *
 * @example
 * ```ts
 * await handleOrder(orderBody(1));
 * ```
 */
export async function handleOrder(order: Order): Promise<void> {
  if (order.poison) throw new PoisonError(`order ${order.orderId} is poison`);
  sink.total += order.amount;
}
