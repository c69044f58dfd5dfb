/**
 * Ack-deadline arithmetic: what Pub/Sub accepts for a lease (10–600 s, the subscription's and the stream's ack
 * deadline, and an extension) and for a delayed release (`ModifyAckDeadline` 0–600 s; 0 is an immediate nack).
 *
 * @example
 * ```ts
 * clampLease(2);      // 10
 * clampRelease(1200); // 600
 * ```
 * @module
 */
import { MAX_ACK_DEADLINE_SECONDS, MAX_RELEASE_DELAY_SECONDS, MIN_ACK_DEADLINE_SECONDS } from './limits.js';

/**
 * A lease in whole seconds within Pub/Sub's 10–600 s (rounded up, so a lease is never shortened below what was
 * asked unless it passes 600 s).
 *
 * @example
 * ```ts
 * clampLease(30.2); // 31
 * ```
 */
export function clampLease(seconds: number): number {
  if (!Number.isFinite(seconds)) return MAX_ACK_DEADLINE_SECONDS;
  return Math.min(MAX_ACK_DEADLINE_SECONDS, Math.max(MIN_ACK_DEADLINE_SECONDS, Math.ceil(seconds)));
}

/**
 * A release delay in whole seconds within 0–600 s (0 for anything not positive).
 *
 * @example
 * ```ts
 * clampRelease(-1); // 0
 * ```
 */
export function clampRelease(seconds: number): number {
  if (Number.isNaN(seconds) || seconds <= 0) return 0;
  return Math.min(MAX_RELEASE_DELAY_SECONDS, Math.round(seconds));
}
