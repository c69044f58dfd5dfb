/**
 * A ring-buffer double-ended queue: O(1) push, shift and unshift (an array's `shift` is O(n) on large arrays).
 *
 * @example
 * ```ts
 * const d = new Deque<number>();
 * d.push(2); d.unshift(1);
 * d.shift(); // 1
 * ```
 * @module
 */

/**
 * A double-ended queue over a growable ring buffer.
 *
 * @example
 * ```ts
 * const waiting = new Deque<string>();
 * waiting.push('m-1');
 * waiting.first; // 'm-1'
 * ```
 */
export class Deque<T> {
  #buffer: (T | undefined)[] = new Array(16);
  #head = 0;
  #size = 0;

  /** Number of entries. */
  get size(): number {
    return this.#size;
  }

  /** The first entry, if any. */
  get first(): T | undefined {
    return this.#size === 0 ? undefined : this.#buffer[this.#head];
  }

  /** The last entry, if any. */
  get last(): T | undefined {
    return this.#size === 0
      ? undefined
      : this.#buffer[(this.#head + this.#size - 1) & (this.#buffer.length - 1)];
  }

  /** Appends at the end. */
  push(item: T): void {
    if (this.#size === this.#buffer.length) this.#grow();
    this.#buffer[(this.#head + this.#size) & (this.#buffer.length - 1)] = item;
    this.#size++;
  }

  /** Inserts at the front. */
  unshift(item: T): void {
    if (this.#size === this.#buffer.length) this.#grow();
    this.#head = (this.#head - 1) & (this.#buffer.length - 1);
    this.#buffer[this.#head] = item;
    this.#size++;
  }

  /** Removes and returns the first entry. */
  shift(): T | undefined {
    if (this.#size === 0) return undefined;
    const item = this.#buffer[this.#head];
    this.#buffer[this.#head] = undefined;
    this.#head = (this.#head + 1) & (this.#buffer.length - 1);
    this.#size--;
    return item;
  }

  /** Drops every entry. */
  clear(): void {
    this.#buffer = new Array(16);
    this.#head = 0;
    this.#size = 0;
  }

  #grow(): void {
    const old = this.#buffer;
    const next: (T | undefined)[] = new Array(old.length * 2);
    for (let i = 0; i < this.#size; i++) next[i] = old[(this.#head + i) & (old.length - 1)];
    this.#buffer = next;
    this.#head = 0;
  }
}
