/**
 * A small typed binary min-heap, ordered by a `before` function. The memory broker keeps availability times, lease
 * expiries and timers in heaps so no operation scans a queue: push and pop are O(log n).
 *
 * Entries are never removed from the middle; callers use lazy deletion (a generation number on the entry, checked
 * when it reaches the top).
 *
 * @example
 * ```ts
 * const heap = new BinaryHeap<number>((a, b) => a < b);
 * heap.push(3); heap.push(1); heap.push(2);
 * heap.pop(); // 1
 * ```
 * @module
 */

/**
 * A binary min-heap over `T`: `before(a, b)` is true when `a` must come out first.
 *
 * @example
 * ```ts
 * const byDue = new BinaryHeap<{ due: number }>((a, b) => a.due < b.due);
 * ```
 */
export class BinaryHeap<T> {
  readonly #items: T[] = [];
  readonly #before: (a: T, b: T) => boolean;

  constructor(before: (a: T, b: T) => boolean) {
    this.#before = before;
  }

  /** Number of entries (live or not: the heap does not know about lazy deletion). */
  get size(): number {
    return this.#items.length;
  }

  /** The first entry, without removing it. */
  peek(): T | undefined {
    return this.#items[0];
  }

  /** Adds an entry in O(log n). */
  push(item: T): void {
    const items = this.#items;
    items.push(item);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = items[parent] as T;
      if (!this.#before(item, p)) break;
      items[i] = p;
      i = parent;
    }
    items[i] = item;
  }

  /** Removes and returns the first entry in O(log n). */
  pop(): T | undefined {
    const items = this.#items;
    const top = items[0];
    const last = items.pop();
    if (items.length === 0 || last === undefined) return top;
    const n = items.length;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      let child = left;
      let c = items[left] as T;
      if (right < n) {
        const r = items[right] as T;
        if (this.#before(r, c)) {
          child = right;
          c = r;
        }
      }
      if (!this.#before(c, last)) break;
      items[i] = c;
      i = child;
    }
    items[i] = last;
    return top;
  }

  /** Drops every entry. */
  clear(): void {
    this.#items.length = 0;
  }
}
