/**
 * Processing one delivery within a time limit, for platforms that give no remaining-time API (Cloud Run functions,
 * push endpoints, Azure Functions): past `timeoutMs` the handler answers "redeliver" before the platform's own
 * timeout does it less cleanly. The work goes on in the background (it cannot be stopped); idempotency claims
 * made inside end at the limit, so the redelivery is not kept waiting.
 *
 * @example
 * ```ts
 * const outcome = await processWithin(processor, delivery, 55_000); // 'timed-out' after 55 s
 * ```
 * @module
 */
import type { Delivery } from '../../core/driver.js';
import type { Outcome, Processor } from '../../core/processor.js';
import { withInvocationDeadline } from './bounded-store.js';

/**
 * Processes `delivery`; resolves `timed-out` when `timeoutMs` passes first (no limit when undefined).
 *
 * @example
 * ```ts
 * await processWithin(processor, delivery, undefined); // just processor.process(delivery)
 * ```
 */
export async function processWithin(
  processor: Processor,
  delivery: Delivery,
  timeoutMs: number | undefined,
): Promise<Outcome | 'timed-out'> {
  if (timeoutMs === undefined) return processor.process(delivery);
  const deadline = Date.now() + timeoutMs;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<'timed-out'>((resolve) => {
    timer = setTimeout(() => resolve('timed-out'), timeoutMs);
    timer.unref?.();
  });
  try {
    return await Promise.race([withInvocationDeadline(deadline, () => processor.process(delivery)), limit]);
  } finally {
    clearTimeout(timer);
  }
}
