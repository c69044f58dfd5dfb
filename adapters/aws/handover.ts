/**
 * Messages that arrive for a long poll whose caller stopped waiting. SQS keeps serving a long poll after the client
 * gives up on it, so aborting the request would hide any message it catches until its visibility timeout ends (and
 * count a receive). Instead a receive that is aborted returns at once and leaves its request running; whatever the
 * request then brings is handed to the next receive on the same queue or subscription in this driver (a receive
 * already waiting is woken), or, if none comes within half the lease (at most 5 s) or the driver closes, made
 * visible again with a visibility of 0.
 *
 * @example
 * ```ts
 * const handover = new Handover();
 * handover.put('queue:billing', deliveries, 30);
 * handover.take('queue:billing', 10); // the deliveries, for the next receive
 * ```
 * @module
 */
import type { Delivery } from '../../core/driver.js';

/** The longest a caught message waits for the next receive, in ms. */
const MAX_HOLD_MS = 5_000;

interface Held {
  readonly deliveries: Delivery[];
  timer: ReturnType<typeof setTimeout> | undefined;
}

/**
 * Deliveries caught by abandoned long polls, per source.
 *
 * @example
 * ```ts
 * const handover = new Handover();
 * handover.take('queue:billing', 10); // [] until an abandoned poll brings something
 * ```
 */
export class Handover {
  readonly #held = new Map<string, Held>();
  readonly #releasing = new Set<Promise<unknown>>();
  readonly #waiters = new Map<string, Set<() => void>>();

  /**
   * Resolves when deliveries are put for `key` (so a receive waiting in its own long poll can take them at once);
   * `cancel` stops waiting.
   */
  arrival(key: string): { readonly promise: Promise<void>; cancel(): void } {
    let waiters = this.#waiters.get(key);
    if (!waiters) {
      waiters = new Set();
      this.#waiters.set(key, waiters);
    }
    const set = waiters;
    let wake!: () => void;
    const promise = new Promise<void>((resolve) => {
      wake = resolve;
    });
    set.add(wake);
    return {
      promise,
      cancel: () => {
        set.delete(wake);
        if (set.size === 0 && this.#waiters.get(key) === set) this.#waiters.delete(key);
      },
    };
  }

  /** Keeps deliveries for the next receive on `key`; they are released if nobody takes them in time. */
  put(key: string, deliveries: readonly Delivery[], leaseSeconds: number): void {
    if (deliveries.length === 0) return;
    let held = this.#held.get(key);
    if (!held) {
      held = { deliveries: [], timer: undefined };
      this.#held.set(key, held);
    }
    held.deliveries.push(...deliveries);
    if (held.timer === undefined) {
      const ms = Math.min(MAX_HOLD_MS, Math.max(0, (leaseSeconds * 1000) / 2));
      held.timer = setTimeout(() => this.#release(key), ms);
      held.timer.unref?.();
    }
    for (const wake of this.#waiters.get(key) ?? []) wake();
  }

  /** Takes up to `max` held deliveries of `key`, oldest first. */
  take(key: string, max: number): Delivery[] {
    const held = this.#held.get(key);
    if (!held) return [];
    const out = held.deliveries.splice(0, Math.max(1, max));
    if (held.deliveries.length === 0) {
      if (held.timer !== undefined) clearTimeout(held.timer);
      this.#held.delete(key);
    }
    return out;
  }

  /** Releases everything held (at close) and waits for those calls. */
  async releaseAll(): Promise<void> {
    for (const key of [...this.#held.keys()]) this.#release(key);
    await Promise.allSettled([...this.#releasing]);
  }

  #release(key: string): void {
    const held = this.#held.get(key);
    if (!held) return;
    this.#held.delete(key);
    if (held.timer !== undefined) clearTimeout(held.timer);
    const p = Promise.allSettled(held.deliveries.map((d) => d.release(0)));
    this.#releasing.add(p);
    void p.finally(() => this.#releasing.delete(p));
  }
}
