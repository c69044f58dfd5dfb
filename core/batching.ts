/**
 * Splits messages into batches within a provider's count and byte limits, keeping their order.
 *
 * @example
 * ```ts
 * splitBatches(messages, caps); // [[m0 … m9], [m10 … m14]] for SQS's 10-per-call limit
 * ```
 * @module
 */
import type { Capabilities, DriverMessage } from './driver.js';
import { messageBytes } from './limits.js';

/**
 * Splits in order: a batch closes when the next message would pass the count or byte limit.
 *
 * @example
 * ```ts
 * splitBatches(Array.from({ length: 25 }, () => msg), caps).map((b) => b.length); // [10, 10, 5]
 * ```
 */
export function splitBatches<M extends DriverMessage>(messages: readonly M[], caps: Capabilities): M[][] {
  const { maxBatchCount, maxBatchBytes, attributesCountInSize } = caps.limits;
  const batches: M[][] = [];
  let current: M[] = [];
  let bytes = 0;
  for (const m of messages) {
    const size = messageBytes(m, attributesCountInSize);
    if (current.length > 0 && (current.length >= maxBatchCount || bytes + size > maxBatchBytes)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(m);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
