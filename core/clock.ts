/**
 * Time, injectable: the bus reads time and sets timers only through a {@link Clock}, so tests on the memory twin
 * can use a virtual clock and never sleep for a timeout.
 *
 * @example
 * ```ts
 * const bus = createBus({ adapter, clock: systemClock });
 * ```
 * @module
 */

/** A cancellable timer. */
export interface Timer {
  cancel(): void;
}

/** A source of time and timers. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Runs `fn` after `ms` milliseconds; the returned timer cancels it. Timers never keep a process alive. */
  setTimer(fn: () => void, ms: number): Timer;
}

/** The real clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(fn, ms) {
    const t = setTimeout(fn, Math.max(0, ms));
    t.unref?.();
    return { cancel: () => clearTimeout(t) };
  },
};

/**
 * Resolves after `ms` on `clock`, or early (without rejecting) when `signal` aborts.
 *
 * @example
 * ```ts
 * await sleep(systemClock, 100, controller.signal);
 * ```
 */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const onAbort = () => {
      timer.cancel();
      resolve();
    };
    const timer = clock.setTimer(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
