import { type HeapNode, IndexedHeap } from './heap.js';

/**
 * The time source of the twin. Every deadline (locks, TTL, schedules, duplicate windows) is computed with it.
 *
 * @example
 * ```ts
 * let now = Date.parse('2030-01-01T00:00:00Z');
 * const clock: Clock = { now: () => now };
 * const twin = await startServiceBusTwin({ clock });
 * now += 60_000;
 * twin.tick(); // run whatever became due
 * ```
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

/**
 * The wall clock.
 *
 * @example
 * ```ts
 * const t = systemClock.now();
 * ```
 */
export const systemClock: Clock = { now: () => Date.now() };

/**
 * A pending timed callback created by {@link Scheduler.schedule}; pass it to {@link Scheduler.cancel}.
 *
 * @example
 * ```ts
 * const task = scheduler.schedule(clock.now() + 1000, () => expire());
 * scheduler.cancel(task);
 * ```
 */
export interface Task extends HeapNode {
  /** Due time (ms since the epoch, per the scheduler's clock). */
  readonly at: number;
  /** Insertion order, breaks ties between tasks due at the same time. */
  readonly order: number;
  /** What runs when the task is due. */
  readonly run: () => void;
}

const MAX_TIMEOUT = 2_147_483_647;

/**
 * One real timer for any number of deadlines: tasks sit in an indexed min-heap and a single (unref'd)
 * `setTimeout` is armed for the earliest. Cancelling is O(log n), so settled messages leave nothing behind.
 *
 * @example
 * ```ts
 * const scheduler = new Scheduler(systemClock, (err) => console.error(err));
 * const task = scheduler.schedule(Date.now() + 500, () => console.log('due'));
 * scheduler.cancel(task);
 * scheduler.close();
 * ```
 */
export class Scheduler {
  private readonly heap = new IndexedHeap<Task & { heapIndex: number }>(
    (a, b) => a.at - b.at || a.order - b.order,
  );
  private timer: NodeJS.Timeout | undefined;
  private armedFor = Number.POSITIVE_INFINITY;
  private counter = 0;
  private closed = false;

  /**
   * @param clock - time source for due times
   * @param onError - receives exceptions thrown by task callbacks (the scheduler keeps running)
   */
  constructor(
    private readonly clock: Clock,
    private readonly onError: (error: unknown) => void = () => {},
  ) {}

  /** Number of pending tasks. */
  get size(): number {
    return this.heap.size;
  }

  /** Runs `run` once the clock reaches `at`. */
  schedule(at: number, run: () => void): Task {
    const task = { at, order: this.counter++, run, heapIndex: -1 };
    if (this.closed) return task;
    this.heap.push(task);
    this.arm();
    return task;
  }

  /** Cancels a task; harmless for `undefined`, already-run or already-cancelled tasks. */
  cancel(task: Task | undefined): void {
    if (task === undefined) return;
    if (this.heap.remove(task as Task & { heapIndex: number })) this.arm();
  }

  /** Runs every task whose due time has passed (per the clock), in due order. */
  runDue(): void {
    const now = this.clock.now();
    for (;;) {
      const top = this.heap.peek();
      if (top === undefined || top.at > now) break;
      this.heap.pop();
      try {
        top.run();
      } catch (error) {
        this.onError(error);
      }
    }
    this.arm();
  }

  /** Cancels every task and the real timer; the scheduler accepts no more tasks. */
  close(): void {
    this.closed = true;
    this.heap.clear();
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(): void {
    if (this.closed) return;
    const top = this.heap.peek();
    const next = top === undefined ? Number.POSITIVE_INFINITY : top.at;
    if (next === this.armedFor && this.timer !== undefined) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.armedFor = next;
    if (top === undefined) return;
    const delay = Math.min(Math.max(0, next - this.clock.now()), MAX_TIMEOUT);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.armedFor = Number.POSITIVE_INFINITY;
      this.runDue();
    }, delay);
    this.timer.unref();
  }
}
