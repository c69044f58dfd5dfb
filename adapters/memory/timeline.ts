/**
 * A priority queue of timed entries ordered by `(at, seq)`, with lazy deletion. Most entries a broker schedules
 * arrive in time order (a message sent now is available now; a lease taken now expires a fixed time later), so the
 * timeline appends those to a sorted run (a deque, O(1)) and only out-of-order entries go to a binary heap
 * (O(log n)). Popping takes the smaller of the two fronts. Cost per entry stays flat as the queue grows.
 *
 * An entry is live while `isLive(entry)` holds (its generation still matches its item's); dead entries are
 * discarded when they reach the front.
 *
 * @example
 * ```ts
 * const t = new Timeline<Msg>((e) => e.gen === e.item.gen);
 * t.push(now, msg.seq, msg, msg.gen);
 * const next = t.peek(); // the live entry with the smallest (at, seq)
 * ```
 * @module
 */
import { Deque } from './deque.js';
import { BinaryHeap } from './heap.js';

/**
 * One scheduled entry.
 *
 * @example
 * ```ts
 * const entry: TimelineEntry<Msg> = { at: now, seq: 1, item: msg, gen: msg.gen };
 * ```
 */
export interface TimelineEntry<T> {
  /** When the entry is due (epoch ms). */
  readonly at: number;
  /** Tie-breaker: lower first. */
  readonly seq: number;
  readonly item: T;
  /** Generation of the item when the entry was pushed (for lazy deletion). */
  readonly gen: number;
}

function before<T>(a: TimelineEntry<T>, b: TimelineEntry<T>): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

/**
 * Timed entries, smallest `(at, seq)` first.
 *
 * @example
 * ```ts
 * const leases = new Timeline<Msg>((e) => e.item.state === 'inflight' && e.gen === e.item.gen);
 * ```
 */
export class Timeline<T> {
  readonly #run = new Deque<TimelineEntry<T>>();
  readonly #heap = new BinaryHeap<TimelineEntry<T>>(before);
  readonly #isLive: (entry: TimelineEntry<T>) => boolean;

  constructor(isLive: (entry: TimelineEntry<T>) => boolean) {
    this.#isLive = isLive;
  }

  /** Entries held, dead ones included (they are dropped lazily). */
  get entries(): number {
    return this.#run.size + this.#heap.size;
  }

  /** Schedules `item` at `at`. */
  push(at: number, seq: number, item: T, gen: number): void {
    const entry: TimelineEntry<T> = { at, seq, item, gen };
    const last = this.#run.last;
    if (last === undefined || !before(entry, last)) this.#run.push(entry);
    else this.#heap.push(entry);
  }

  /** The live entry with the smallest `(at, seq)`, without removing it (dead entries in front are dropped). */
  peek(): TimelineEntry<T> | undefined {
    for (;;) {
      const a = this.#run.first;
      const b = this.#heap.peek();
      const fromRun = a !== undefined && (b === undefined || !before(b, a));
      const top = fromRun ? a : b;
      if (top === undefined) return undefined;
      if (this.#isLive(top)) return top;
      if (fromRun) this.#run.shift();
      else this.#heap.pop();
    }
  }

  /** Removes and returns the live entry with the smallest `(at, seq)`. */
  pop(): TimelineEntry<T> | undefined {
    const top = this.peek();
    if (top === undefined) return undefined;
    if (this.#run.first === top) this.#run.shift();
    else this.#heap.pop();
    return top;
  }

  /** Drops every entry. */
  clear(): void {
    this.#run.clear();
    this.#heap.clear();
  }
}
