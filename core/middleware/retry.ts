/**
 * Retry with backoff and dead-letter routing, the outermost built-in middleware.
 *
 * On a handler error: a non-retryable error (validation, {@link NonRetryableError}) is dead-lettered at once; an
 * error on the last attempt is dead-lettered with reason `max-attempts`; any other error releases the message for
 * redelivery after an exponential backoff through the provider's lease — never a sleep in the handler. A source
 * declared with `deadLetter: false` is retried until retention ends.
 *
 * @example
 * ```ts
 * const pipeline = compose([retry({ policy, hasDeadLetter: true, random: Math.random })], handler);
 * ```
 * @module
 */
import { backoffSeconds } from '../backoff.js';
import type { RetryPolicy } from '../declarations.js';
import { isNonRetryable, ValidationError } from '../errors.js';
import type { Middleware } from '../message.js';

/** Options of {@link retry}. */
export interface RetryOptions {
  readonly policy: Required<RetryPolicy>;
  /** Whether the source has a dead-letter target. */
  readonly hasDeadLetter: boolean;
  readonly random?: () => number;
}

/**
 * Reason recorded for an error: `validation`, `non-retryable` or `max-attempts`.
 *
 * @example
 * ```ts
 * failureReason(new NonRetryableError('x'), 1, 5); // 'non-retryable'
 * ```
 */
export function failureReason(error: unknown, attempt: number, maxAttempts: number): string | undefined {
  if (ValidationError.isInstance(error)) return 'validation';
  if (isNonRetryable(error)) return 'non-retryable';
  if (attempt >= maxAttempts) return 'max-attempts';
  return undefined;
}

/**
 * The retry and dead-letter middleware.
 *
 * @example
 * ```ts
 * retry({ policy: { initialDelaySeconds: 1, maxDelaySeconds: 60, multiplier: 2, jitter: true }, hasDeadLetter: true });
 * ```
 */
export function retry(options: RetryOptions): Middleware {
  const random = options.random ?? Math.random;
  return (next) => async (message) => {
    try {
      return await next(message);
    } catch (error) {
      if (message.delivery.settled) throw error;
      const reason = failureReason(error, message.attempt, message.maxAttempts);
      if (reason !== undefined && options.hasDeadLetter) {
        await message.delivery.deadLetter({ reason, error });
      } else {
        await message.delivery.release(backoffSeconds(message.attempt, options.policy, random));
      }
      throw error;
    }
  };
}
