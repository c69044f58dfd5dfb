/**
 * Exponential backoff with optional full jitter.
 *
 * @example
 * ```ts
 * backoffSeconds(3, { initialDelaySeconds: 1, maxDelaySeconds: 60, multiplier: 2, jitter: false }); // 4
 * ```
 * @module
 */
import type { RetryPolicy } from './declarations.js';

/**
 * Delay before the attempt after `attempt` (1-based): `initial × multiplier^(attempt-1)`, capped, with full jitter.
 *
 * @example
 * ```ts
 * backoffSeconds(1, policy); // between 0 and 1 with jitter
 * ```
 */
export function backoffSeconds(
  attempt: number,
  policy: Required<RetryPolicy>,
  random: () => number = Math.random,
): number {
  const base = Math.min(
    policy.maxDelaySeconds,
    policy.initialDelaySeconds * policy.multiplier ** Math.max(0, attempt - 1),
  );
  return policy.jitter ? base * random() : base;
}
