/**
 * The broker's dedup window: a dedup id seen within the window is accepted again (with the first message's id, like
 * SQS FIFO and Service Bus) but not enqueued twice. Entries expire in insertion order from a deque, so pruning is
 * amortized O(1) and nothing scans.
 *
 * @example
 * ```ts
 * const window = new DedupWindow();
 * window.record('order-1', 'm-1', now, 300_000);
 * window.lookup('order-1', now + 1_000); // 'm-1'
 * ```
 * @module
 */
import { Deque } from './deque.js';

interface Entry {
  readonly key: string;
  readonly id: string;
  readonly expiresAt: number;
}

/**
 * Dedup ids seen recently, each with the id of the message first sent with it.
 *
 * @example
 * ```ts
 * if (window.lookup(dedupId, now) === undefined) window.record(dedupId, id, now, windowMs);
 * ```
 */
export class DedupWindow {
  readonly #seen = new Map<string, Entry>();
  readonly #order = new Deque<Entry>();

  /** Dedup ids currently remembered (expired ones are pruned on the next lookup). */
  get size(): number {
    return this.#seen.size;
  }

  /** The id of the message first sent with `key` within its window, or undefined. */
  lookup(key: string, now: number): string | undefined {
    this.#prune(now);
    const entry = this.#seen.get(key);
    return entry !== undefined && entry.expiresAt > now ? entry.id : undefined;
  }

  /** Remembers `key` → `id` for `windowMs` from `now`. */
  record(key: string, id: string, now: number, windowMs: number): void {
    const entry: Entry = { key, id, expiresAt: now + windowMs };
    this.#seen.set(key, entry);
    this.#order.push(entry);
  }

  #prune(now: number): void {
    for (;;) {
      const first = this.#order.first;
      if (first === undefined || first.expiresAt > now) return;
      this.#order.shift();
      if (this.#seen.get(first.key) === first) this.#seen.delete(first.key);
    }
  }
}
