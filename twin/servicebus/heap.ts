/**
 * An indexed binary min-heap: O(log n) push, pop and removal of an arbitrary element.
 *
 * Elements carry their own position (`heapIndex`), so an element can only sit in one heap at a time;
 * `heapIndex` is `-1` while the element is in no heap.
 *
 * @example
 * ```ts
 * const heap = new IndexedHeap<{ at: number; heapIndex: number }>((a, b) => a.at - b.at);
 * const x = { at: 5, heapIndex: -1 };
 * heap.push(x);
 * heap.remove(x); // O(log n), x.heapIndex is -1 again
 * ```
 */
export interface HeapNode {
  /** Position in the heap's array, or -1 when the node is in no heap. */
  heapIndex: number;
}

/**
 * Binary min-heap over {@link HeapNode}s ordered by `compare` (negative = first argument comes first).
 *
 * @example
 * ```ts
 * const h = new IndexedHeap<Msg>((a, b) => a.seq - b.seq);
 * h.push(msg);
 * const first = h.pop();
 * ```
 */
export class IndexedHeap<T extends HeapNode> {
  private readonly items: T[] = [];

  /** @param compare - ordering function; the smallest element is at the top. */
  constructor(private readonly compare: (a: T, b: T) => number) {}

  /** Number of elements in the heap. */
  get size(): number {
    return this.items.length;
  }

  /** The smallest element without removing it. */
  peek(): T | undefined {
    return this.items[0];
  }

  /** Adds an element (which must not be in a heap). */
  push(item: T): void {
    item.heapIndex = this.items.length;
    this.items.push(item);
    this.up(item.heapIndex);
  }

  /** Removes and returns the smallest element. */
  pop(): T | undefined {
    const top = this.items[0];
    if (top !== undefined) this.removeAt(0);
    return top;
  }

  /** True when `item` is currently in this heap. */
  has(item: T): boolean {
    return item.heapIndex >= 0 && this.items[item.heapIndex] === item;
  }

  /** Removes `item` if it is in this heap; returns whether it was. */
  remove(item: T): boolean {
    if (!this.has(item)) return false;
    this.removeAt(item.heapIndex);
    return true;
  }

  /** Restores the order after `item`'s key changed. */
  update(item: T): void {
    if (!this.has(item)) return;
    this.up(item.heapIndex);
    this.down(item.heapIndex);
  }

  /** Removes every element (their `heapIndex` becomes -1). */
  clear(): void {
    for (const item of this.items) item.heapIndex = -1;
    this.items.length = 0;
  }

  /** The elements in heap (not sorted) order. */
  values(): readonly T[] {
    return this.items;
  }

  private removeAt(index: number): void {
    const last = this.items.pop() as T;
    const removed = this.items[index];
    if (removed === undefined) {
      // index was the last slot
      last.heapIndex = -1;
      return;
    }
    removed.heapIndex = -1;
    if (index < this.items.length) {
      this.items[index] = last;
      last.heapIndex = index;
      this.up(index);
      this.down(last.heapIndex);
    }
  }

  private up(start: number): void {
    let index = start;
    const item = this.items[index] as T;
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = this.items[parentIndex] as T;
      if (this.compare(item, parent) >= 0) break;
      this.items[index] = parent;
      parent.heapIndex = index;
      index = parentIndex;
    }
    this.items[index] = item;
    item.heapIndex = index;
  }

  private down(start: number): void {
    let index = start;
    const length = this.items.length;
    const item = this.items[index] as T;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= length) break;
      const right = left + 1;
      let child = left;
      if (right < length && this.compare(this.items[right] as T, this.items[left] as T) < 0) child = right;
      const childItem = this.items[child] as T;
      if (this.compare(childItem, item) >= 0) break;
      this.items[index] = childItem;
      childItem.heapIndex = index;
      index = child;
    }
    this.items[index] = item;
    item.heapIndex = index;
  }
}
