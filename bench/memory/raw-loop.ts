/**
 * The raw in-process loop: what a hand-written pipeline does for the same work. An array queue of JSON strings
 * (`{ id, body }`), a sequential consumer that parses, skips ids it has seen (a bounded set: the idempotency),
 * validates with the same schema, awaits the handler and pushes failures to a dead-letter array.
 *
 * @example
 * ```ts
 * const loop = new RawLoop();
 * loop.enqueue(10_000);
 * await loop.drain(); // { handled: 9_990, deadLettered: 10 }
 * ```
 * @module
 */
import { handleOrder, type Order, orderBody, orderSchema } from './workload.js';

const MAX_SEEN = 100_000;

/** The raw loop's queue and consumer. */
export class RawLoop {
  readonly queue: string[] = [];
  readonly deadLetters: string[] = [];
  readonly #seen = new Set<string>();
  #head = 0;

  /** Enqueues messages `from` … `from + n - 1`. */
  enqueue(n: number, from = 0): void {
    for (let i = from; i < from + n; i++)
      this.queue.push(JSON.stringify({ id: `m-${i}`, body: orderBody(i) }));
  }

  /**
   * The steady shape: enqueue `window` messages, drain them, and again, until `n` are done (the raw loop's consumer
   * is the same sequential loop either way).
   */
  async stream(n: number, window: number): Promise<{ handled: number; deadLettered: number }> {
    let handled = 0;
    for (let sent = 0; sent < n; sent += window) {
      this.enqueue(Math.min(window, n - sent), sent);
      handled += (await this.drain()).handled;
    }
    return { handled, deadLettered: this.deadLetters.length };
  }

  /** Consumes everything queued; resolves with the counts. */
  async drain(): Promise<{ handled: number; deadLettered: number }> {
    let handled = 0;
    const validate = orderSchema['~standard'].validate;
    while (this.#head < this.queue.length) {
      const text = this.queue[this.#head] as string;
      this.queue[this.#head++] = '';
      const envelope = JSON.parse(text) as { id: string; body: unknown };
      if (this.#seen.has(envelope.id)) continue;
      const checked = validate(envelope.body) as { value?: Order; issues?: unknown };
      if (checked.issues || !checked.value) {
        this.deadLetters.push(text);
        continue;
      }
      try {
        await handleOrder(checked.value);
        if (this.#seen.size >= MAX_SEEN) this.#seen.clear();
        this.#seen.add(envelope.id);
        handled++;
      } catch {
        this.deadLetters.push(text);
      }
    }
    this.queue.length = 0;
    this.#head = 0;
    return { handled, deadLettered: this.deadLetters.length };
  }
}
