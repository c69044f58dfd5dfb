/**
 * Time for conformance cases: one vocabulary over a virtual clock (memory) and real time (emulators). On a virtual
 * clock nothing sleeps: time is advanced in small steps, with the event loop allowed to run between steps so the
 * bus and the driver react as they would in real time.
 *
 * @example
 * ```ts
 * await advance(h, 2_500);                                    // virtual step-by-step advance, or a real sleep
 * await eventually(h, () => expect(received).toHaveLength(3)); // poll, moving time between polls
 * await drive(h, consumer.close());                            // keep time moving until a promise settles
 * ```
 * @module
 */
import type { ConformanceHarness } from '../harness.js';
import { patienceOf } from '../harness.js';

/** Longest virtual step of {@link advance} (lease extension runs every lease/3 ≥ 333 ms, so steps stay finer). */
const VIRTUAL_STEP_MS = 100;
/** Step used for long virtual advances (over a minute), to keep them fast. */
const VIRTUAL_LONG_STEP_MS = 250;
/** Real-time guard of virtual waits: a broken adapter fails the case instead of hanging the run. */
const REAL_GUARD_MS = 20_000;

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Lets pending promise chains and `setImmediate` callbacks run (the bus's auto-batching flushes on `setImmediate`).
 *
 * @example
 * ```ts
 * await flush();
 * ```
 */
export async function flush(turns = 4): Promise<void> {
  for (let i = 0; i < turns; i++) await turn();
}

/**
 * Moves time forward by `ms`: on a virtual clock in steps of at most 100 ms (250 ms for advances over a minute),
 * letting the event loop run after each; in real time, sleeps.
 *
 * @example
 * ```ts
 * await advance(h, h.minLeaseSeconds * 1000 + 500); // the lease has expired
 * ```
 */
export async function advance(h: ConformanceHarness, ms: number): Promise<void> {
  if (ms <= 0) {
    await flush();
    return;
  }
  const clock = h.clock;
  if (!clock) {
    await realSleep(ms);
    return;
  }
  const step = ms > 60_000 ? VIRTUAL_LONG_STEP_MS : VIRTUAL_STEP_MS;
  let left = ms;
  while (left > 0) {
    const d = Math.min(step, left);
    await clock.advance(d);
    await flush();
    left -= d;
  }
}

/**
 * Options of {@link eventually} and {@link drive}.
 *
 * @example
 * ```ts
 * await eventually(h, check, { timeoutMs: 30_000, what: 'the dead letter' });
 * ```
 */
export interface WaitOptions {
  /** Longest wait in ms (virtual ms on a virtual clock). Default: the harness's patience. */
  readonly timeoutMs?: number | undefined;
  /** What is awaited, for the error message. */
  readonly what?: string | undefined;
}

/**
 * Calls `fn` until it stops throwing and returns its value; between calls, moves time (virtual step or short real
 * sleep). When time runs out, rethrows `fn`'s last error (so an assertion's diff is shown).
 *
 * @example
 * ```ts
 * const got = await eventually(h, () => { expect(seen).toHaveLength(2); return seen; });
 * ```
 */
export async function eventually<T>(
  h: ConformanceHarness,
  fn: () => T | Promise<T>,
  options: WaitOptions = {},
): Promise<T> {
  const timeout = options.timeoutMs ?? patienceOf(h);
  const realDeadline = Date.now() + (h.clock ? REAL_GUARD_MS : timeout + 5_000);
  let waited = 0;
  let pause = 25;
  for (;;) {
    try {
      return await fn();
    } catch (error) {
      if (waited >= timeout || Date.now() > realDeadline) {
        if (error instanceof Error && options.what) error.message = `${options.what}: ${error.message}`;
        throw error;
      }
    }
    const step = h.clock ? VIRTUAL_STEP_MS : pause;
    await advance(h, step);
    waited += step;
    pause = Math.min(250, pause * 2);
  }
}

/**
 * Checks that `fn` keeps holding for `ms` (checked after every step); throws its first failure.
 *
 * @example
 * ```ts
 * await consistently(h, 2_000, () => expect(seen).toHaveLength(1)); // no duplicate shows up
 * ```
 */
export async function consistently(
  h: ConformanceHarness,
  ms: number,
  fn: () => void | Promise<void>,
): Promise<void> {
  let waited = 0;
  await fn();
  while (waited < ms) {
    const step = h.clock ? VIRTUAL_STEP_MS : Math.min(100, ms - waited);
    await advance(h, step);
    waited += step;
    await fn();
  }
}

/**
 * Awaits `promise`; on a virtual clock, keeps advancing time while it is pending (a consumer's `close()` waits for
 * handlers that sleep on the virtual clock). Rejects when it has not settled after `timeoutMs`.
 *
 * @example
 * ```ts
 * await drive(h, bus.close());
 * ```
 */
export async function drive<T>(
  h: ConformanceHarness,
  promise: Promise<T>,
  options: WaitOptions = {},
): Promise<T> {
  const timeout = options.timeoutMs ?? patienceOf(h);
  let settled = false;
  const watched = promise.finally(() => {
    settled = true;
  });
  watched.catch(() => undefined);
  const realDeadline = Date.now() + (h.clock ? REAL_GUARD_MS : timeout);
  let waited = 0;
  await flush(1);
  while (!settled) {
    if (waited >= timeout || Date.now() > realDeadline) {
      throw new Error(`${options.what ?? 'operation'} did not settle within ${timeout} ms`);
    }
    const step = h.clock ? VIRTUAL_STEP_MS : 20;
    await advance(h, step);
    waited += step;
  }
  return watched;
}
