/**
 * An idempotency store whose in-progress claims never outlive the function invocation that holds them. A function
 * platform gives each invocation a deadline (Lambda's `getRemainingTimeInMillis()`); after it the invocation is
 * gone, so a claim held past it would only keep a redelivery waiting. The wrapper caps every claim's in-progress
 * expiry (on `acquire` and `extend`) at the deadline of the invocation running the current async context, set with
 * {@link withInvocationDeadline}. Outside an invocation it passes everything through. Imports no cloud SDK.
 *
 * @example
 * ```ts
 * const store = invocationBoundStore(dynamoDbStore);
 * await withInvocationDeadline(Date.now() + context.getRemainingTimeInMillis(), () => processor.process(d));
 * ```
 * @module
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { IdempotencyStore } from '../../core/idempotency/store.js';

const invocation = new AsyncLocalStorage<{ readonly deadline: number }>();

/**
 * Runs `fn` with `deadline` (epoch ms) as the current invocation's deadline.
 *
 * @example
 * ```ts
 * await withInvocationDeadline(Date.now() + 30_000, () => work());
 * ```
 */
export function withInvocationDeadline<R>(deadline: number | undefined, fn: () => R): R {
  return deadline === undefined ? fn() : invocation.run({ deadline }, fn);
}

/**
 * The deadline of the invocation running now (epoch ms), or undefined.
 *
 * @example
 * ```ts
 * currentInvocationDeadline(); // 1700000030000 inside withInvocationDeadline
 * ```
 */
export function currentInvocationDeadline(): number | undefined {
  return invocation.getStore()?.deadline;
}

function bound(at: number): number {
  const deadline = currentInvocationDeadline();
  return deadline === undefined ? at : Math.min(at, deadline);
}

/**
 * Wraps `store` so in-progress expiries are capped at the current invocation's deadline.
 *
 * @example
 * ```ts
 * idempotency({ store: invocationBoundStore(store), inProgressSeconds: 900 });
 * ```
 */
export function invocationBoundStore(store: IdempotencyStore): IdempotencyStore {
  const wrapped: IdempotencyStore = {
    acquire: (key, options) =>
      store.acquire(key, { ...options, inProgressExpiresAt: bound(options.inProgressExpiresAt) }),
    complete: (key, token, options) => store.complete(key, token, options),
    extend: (key, token, inProgressExpiresAt) => store.extend(key, token, bound(inProgressExpiresAt)),
    release: (key, token) => store.release(key, token),
    get: (key) => store.get(key),
  };
  if (store.close) {
    const close = store.close.bind(store);
    return { ...wrapped, close };
  }
  return wrapped;
}
