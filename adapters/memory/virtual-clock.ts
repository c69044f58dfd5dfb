/**
 * A virtual clock for tests: time moves only when the test says so, so lease timeouts, delays, retention and
 * backoff are tested without sleeping.
 *
 * @example
 * ```ts
 * const clock = new VirtualClock();
 * const driver = memory({ clock });
 * const bus = createBus({ adapter: driver, clock, declarations: [billing] });
 * await clock.advance(31_000); // the 30 s lease expires; the message is redelivered
 * ```
 * @module
 */
import type { Clock, Timer } from '../../core/clock.js';
import { BinaryHeap } from './heap.js';

/**
 * 2025-01-01T00:00:00.000Z: the default start, so times in envelopes and logs read as real dates.
 *
 * @example
 * ```ts
 * new VirtualClock().now() === VIRTUAL_EPOCH_MS; // true
 * ```
 */
export const VIRTUAL_EPOCH_MS = Date.UTC(2025, 0, 1);

/** Event-loop turns the clock yields after each timer, so async code reacting to it runs before the next one. */
const DEFAULT_SETTLE_TURNS = 5;

/** A runaway guard: more timers than this in one `advance` means a timer keeps re-arming itself at zero delay. */
const MAX_TIMERS_PER_ADVANCE = 1_000_000;

interface VirtualTimer {
  readonly due: number;
  readonly seq: number;
  readonly fn: () => void;
  done: boolean;
}

/**
 * Options of {@link VirtualClock}.
 *
 * @example
 * ```ts
 * const clock = new VirtualClock(0, { settleTurns: 10 }); // more event-loop turns after each timer
 * ```
 */
export interface VirtualClockOptions {
  /** `setImmediate` turns yielded after each timer fires (default 5). */
  readonly settleTurns?: number;
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * A {@link Clock} whose time only moves in {@link VirtualClock.advance}. Timers fire in due order (ties in the order
 * they were set); after each one the clock yields to the event loop a few times so consumers, lease extension and
 * other reactions run before the next timer. Timers set while advancing fire too when they fall due by the target.
 *
 * @example
 * ```ts
 * const clock = new VirtualClock(0);
 * clock.setTimer(() => console.log('t=5s'), 5_000);
 * await clock.advance(10_000); // prints t=5s; clock.now() === 10_000
 * ```
 */
export class VirtualClock implements Clock {
  #now: number;
  #seq = 0;
  #live = 0;
  readonly #timers = new BinaryHeap<VirtualTimer>(
    (a, b) => a.due < b.due || (a.due === b.due && a.seq < b.seq),
  );
  readonly #settleTurns: number;

  /**
   * @param startMs - initial time in epoch ms (default {@link VIRTUAL_EPOCH_MS}, 2025-01-01).
   */
  constructor(startMs: number = VIRTUAL_EPOCH_MS, options: VirtualClockOptions = {}) {
    if (!Number.isFinite(startMs))
      throw new RangeError(`VirtualClock: startMs must be finite, got ${startMs}`);
    this.#now = startMs;
    this.#settleTurns = Math.max(1, Math.floor(options.settleTurns ?? DEFAULT_SETTLE_TURNS));
  }

  /** Current virtual time, epoch ms. */
  now(): number {
    return this.#now;
  }

  /** Timers set and neither fired nor cancelled. */
  get pendingTimers(): number {
    return this.#live;
  }

  /** Registers `fn` to run when virtual time reaches now + `ms` (negative or NaN delays count as 0). */
  setTimer(fn: () => void, ms: number): Timer {
    const delay = Number.isFinite(ms) && ms > 0 ? ms : 0;
    const timer: VirtualTimer = { due: this.#now + delay, seq: ++this.#seq, fn, done: false };
    this.#timers.push(timer);
    this.#live++;
    return {
      cancel: () => {
        if (timer.done) return;
        timer.done = true;
        this.#live--;
      },
    };
  }

  /**
   * Moves time forward by `ms`, firing every timer due by then in order, with time set to each timer's due time
   * while it runs, and yielding to the event loop after each. Resolves with time at now + `ms`.
   */
  async advance(ms: number): Promise<void> {
    if (!Number.isFinite(ms) || ms < 0)
      throw new RangeError(`VirtualClock.advance: ms must be ≥ 0, got ${ms}`);
    const target = this.#now + ms;
    await this.#settle();
    let fired = 0;
    for (;;) {
      const timer = this.#nextDue(target);
      if (timer === undefined) break;
      if (++fired > MAX_TIMERS_PER_ADVANCE) {
        throw new Error(
          `VirtualClock.advance: more than ${MAX_TIMERS_PER_ADVANCE} timers fired; a timer loops`,
        );
      }
      this.#now = Math.max(this.#now, timer.due);
      timer.fn();
      await this.#settle();
    }
    this.#now = target;
    await this.#settle();
  }

  /** Fires timers already due (at or before now) and lets the reactions run; time does not move. */
  runPending(): Promise<void> {
    return this.advance(0);
  }

  #nextDue(target: number): VirtualTimer | undefined {
    for (;;) {
      const top = this.#timers.peek();
      if (top === undefined || top.due > target) return undefined;
      this.#timers.pop();
      if (top.done) continue;
      top.done = true;
      this.#live--;
      return top;
    }
  }

  async #settle(): Promise<void> {
    for (let i = 0; i < this.#settleTurns; i++) await turn();
  }
}
