/**
 * How a processing outcome maps to a function platform's answer: the message is done (the platform may delete or
 * complete it) or it must come back (the platform keeps it, retries the invocation, or nacks).
 *
 * @example
 * ```ts
 * isDone('dead-lettered'); // true: the envelope copy is on the dead-letter queue, the original can go
 * isDone('released');      // false: report it as failed so the platform redelivers it
 * ```
 * @module
 */
import type { Outcome } from '../../core/processor.js';

/**
 * True when the message needs nothing more from the platform: acked, dead-lettered (the copy is on the dead-letter
 * queue) or filtered out. False for `released`, `held` (it must come back) and `failed` (settling failed: the
 * platform's redelivery is the only safe answer).
 *
 * @example
 * ```ts
 * isDone('acked'); // true
 * ```
 */
export function isDone(outcome: Outcome): boolean {
  return outcome === 'acked' || outcome === 'dead-lettered' || outcome === 'filtered';
}

/**
 * The error a handler of a settle-by-throw platform (Lambda SNS, Cloud Run functions, Azure Functions) throws to
 * make the platform retry or redeliver. `outcome` says why; `retryable` is always true.
 *
 * @example
 * ```ts
 * throw new RedeliveryRequested('billing', ['m-1'], ['released']);
 * ```
 */
export class RedeliveryRequested extends Error {
  /** Stable code, `REDELIVERY_REQUESTED`. */
  readonly code = 'REDELIVERY_REQUESTED';
  readonly retryable = true;
  /** The source (queue name or `topic/subscription`). */
  readonly source: string;
  /** Provider ids of the messages that must come back. */
  readonly messageIds: readonly string[];
  /** Their outcomes, in the same order (`timed-out`: still running when the handler had to answer). */
  readonly outcomes: readonly (Outcome | 'timed-out')[];

  constructor(source: string, messageIds: readonly string[], outcomes: readonly (Outcome | 'timed-out')[]) {
    super(
      `${messageIds.length} message(s) of ${source} must be redelivered (${[...new Set(outcomes)].join(', ')}); ` +
        'the platform retries them',
    );
    this.name = 'RedeliveryRequested';
    this.source = source;
    this.messageIds = messageIds;
    this.outcomes = outcomes;
  }
}

/**
 * Whether a delivery needs nothing more from the platform: its outcome says done, or it was acked on the way — a
 * release or hold carried out as a delayed copy acks the original, which must then not come back.
 *
 * @example
 * ```ts
 * isSettled('held', true); // true: a delayed copy replaced it
 * ```
 */
export function isSettled(outcome: Outcome | 'timed-out', acked: boolean): boolean {
  return acked || (outcome !== 'timed-out' && isDone(outcome));
}
