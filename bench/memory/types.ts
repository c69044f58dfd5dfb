/**
 * Shapes exchanged between the memory section and its child process, and the steady-shape window.
 *
 * @example
 * ```ts
 * const config: MemoryChildConfig = { size: 10_000, rounds: 3 };
 * ```
 * @module
 */

/** Configuration from the parent: message count and interleaved rounds. */
export interface MemoryChildConfig {
  readonly size: number;
  /** Most rounds. */
  readonly rounds: number;
  /** Rounds run whatever the budget. */
  readonly minRounds?: number;
  /** Stop starting rounds once another would end past this many ms (see `interleave`). */
  readonly budgetMs?: number;
  /** Also run Omnibus without idempotency and without idempotency or schema (where the time goes). */
  readonly variants?: boolean;
}

/** The contenders of the memory section: the raw loop, the full stack, and two partial stacks. */
export type MemoryContender = 'raw' | 'omnibus' | 'omnibus-no-idempotency' | 'omnibus-bare';

/** Messages queued at most at once in a throughput run (the steady shape). */
export const WINDOW = 1000;

/** One run of one contender: `size` messages sent and settled, at most {@link WINDOW} queued at a time. */
export interface MemoryRun {
  /** Wall time from the first send to the last settlement, ms. */
  readonly wallMs: number;
  /** CPU time (user + system) of the run, ms. */
  readonly cpuMs: number;
}

/** What the child reports. */
export interface MemoryChildResult {
  readonly size: number;
  /** Heap (+ external) growth per queued message, bytes. */
  readonly bytesPerMessage: { readonly omnibus: number; readonly raw: number };
  readonly runs: Readonly<Partial<Record<MemoryContender, MemoryRun[]>>>;
}
