/**
 * The SQS workload every contender handles the same way: a JSON order event shaped so that every library accepts
 * it (`@message-queue-toolkit` wants `id`, `messageType` and `timestamp`), validated by the same zod schema in
 * every handler, and the counts the issue fixes (2,000 measured messages after 200 of warm-up, the queue kept at
 * most 50 deep because moto slows sharply on deep queues).
 *
 * @example
 * ```ts
 * const body = orderEventJson(7);
 * orderEvent.parse(JSON.parse(body));
 * ```
 * @module
 */
import { z } from 'zod';

/** Messages consumed before measuring. */
export const WARMUP = 200;
/** Messages measured. */
export const MEASURED = 2000;
/** Most messages the producer lets sit in a queue. */
export const MAX_DEPTH = 50;
/** Send-path burst: messages sent at once (50 concurrent callers) to a queue of their own. */
export const BURST = 50;

/** The event schema (zod, used as a Standard Schema by Omnibus). */
export const orderEvent = z.object({
  id: z.string(),
  messageType: z.literal('order.placed'),
  timestamp: z.string(),
  orderId: z.string(),
  amount: z.number(),
});

/** One event. */
export type OrderEvent = z.infer<typeof orderEvent>;

/**
 * Event `i`.
 *
 * @example
 * ```ts
 * orderEventBody(1).orderId; // 'o-1'
 * ```
 */
export function orderEventBody(i: number): OrderEvent {
  return {
    id: `m-${i}`,
    messageType: 'order.placed',
    timestamp: new Date(1_700_000_000_000 + i).toISOString(),
    orderId: `o-${i}`,
    amount: i % 997,
  };
}

/**
 * Event `i` as the JSON text that goes on the wire.
 *
 * @example
 * ```ts
 * JSON.parse(orderEventJson(2)).id; // 'm-2'
 * ```
 */
export function orderEventJson(i: number): string {
  return JSON.stringify(orderEventBody(i));
}
