/**
 * The Omnibus side of the memory pipeline: the full stack on the memory adapter — a bus with a schema-validated
 * queue (retry policy and a dead-letter queue by default), idempotency on the in-process store, sends through
 * `bus.sendBatch` and a consumer with concurrency 10. It counts acks and dead-letters through hooks, so "done"
 * means settled, not merely handled.
 *
 * @example
 * ```ts
 * const pipeline = await OmnibusPipeline.create();
 * await pipeline.enqueue(10_000);
 * await pipeline.drain(10_000); // resolves once 10,000 messages are acked or dead-lettered
 * await pipeline.close();
 * ```
 * @module
 */

import { memory } from '../../adapters/memory/index.js';
import {
  type Bus,
  createBus,
  defineQueue,
  memoryIdempotencyStore,
  NonRetryableError,
} from '../../core/index.js';
import { handleOrder, type Order, orderBody, orderSchema, PoisonError } from './workload.js';

/** Entries per `sendBatch` call. */
export const SEND_CHUNK = 100;
/** Consumer concurrency. */
export const CONCURRENCY = 10;

/** Which parts of the stack a pipeline has (the full stack by default; the others explain where time goes). */
export interface PipelineParts {
  /** Idempotency on the in-process store (default true). */
  readonly idempotency?: boolean;
  /** The body schema (default true). */
  readonly schema?: boolean;
}

/** One bus on a fresh memory driver. */
export class OmnibusPipeline {
  readonly #bus: Bus;
  readonly #queue: ReturnType<typeof defineQueue<typeof orderSchema>>;
  #settled = 0;
  #deadLettered = 0;
  #target = Number.POSITIVE_INFINITY;
  #wake: (() => void) | undefined;

  private constructor(parts: PipelineParts) {
    this.#queue = defineQueue('orders', parts.schema === false ? {} : { schema: orderSchema }) as ReturnType<
      typeof defineQueue<typeof orderSchema>
    >;
    this.#bus = createBus({
      adapter: memory(),
      declarations: [this.#queue],
      ...(parts.idempotency === false ? {} : { idempotency: { store: memoryIdempotencyStore() } }),
      hooks: {
        onAcked: () => this.#count(false),
        onDeadLettered: () => this.#count(true),
      },
    });
  }

  /** A provisioned pipeline. */
  static async create(parts: PipelineParts = {}): Promise<OmnibusPipeline> {
    const pipeline = new OmnibusPipeline(parts);
    await pipeline.#bus.provision();
    return pipeline;
  }

  #count(deadLettered: boolean): void {
    this.#settled++;
    if (deadLettered) this.#deadLettered++;
    if (this.#settled >= this.#target) this.#wake?.();
  }

  /** Sends messages `from` … `from + n - 1` through the bus. */
  async enqueue(n: number, from = 0): Promise<void> {
    for (let start = from; start < from + n; start += SEND_CHUNK) {
      const entries: { body: Order }[] = [];
      for (let i = start; i < Math.min(from + n, start + SEND_CHUNK); i++)
        entries.push({ body: orderBody(i) });
      await this.#bus.sendBatch(this.#queue, entries);
    }
  }

  /** Resolves once at least `n` messages are settled. */
  #settledAtLeast(n: number): Promise<void> {
    if (this.#settled >= n) return Promise.resolve();
    this.#target = n;
    return new Promise<void>((resolve) => {
      this.#wake = () => {
        this.#wake = undefined;
        this.#target = Number.POSITIVE_INFINITY;
        resolve();
      };
    });
  }

  /**
   * The steady shape: a consumer runs while messages are sent in chunks, at most `window` unsettled at a time, until
   * `n` are settled.
   */
  async stream(n: number, window: number): Promise<{ handled: number; deadLettered: number }> {
    const consumer = this.#startConsumer();
    for (let sent = 0; sent < n; sent += SEND_CHUNK) {
      if (sent - this.#settled >= window) await this.#settledAtLeast(sent - window / 2);
      await this.enqueue(Math.min(SEND_CHUNK, n - sent), sent);
    }
    await this.#settledAtLeast(n);
    await consumer.close();
    return { handled: this.#settled - this.#deadLettered, deadLettered: this.#deadLettered };
  }

  /** Consumes until `n` messages are settled; resolves with the counts. */
  async drain(n: number): Promise<{ handled: number; deadLettered: number }> {
    const consumer = this.#startConsumer();
    await this.#settledAtLeast(n);
    await consumer.close();
    return { handled: this.#settled - this.#deadLettered, deadLettered: this.#deadLettered };
  }

  #startConsumer() {
    return this.#bus.consume(
      this.#queue,
      async (message) => {
        try {
          await handleOrder(message.body);
        } catch (error) {
          if (error instanceof PoisonError) throw new NonRetryableError(error.message);
          throw error;
        }
      },
      { concurrency: CONCURRENCY, waitSeconds: 1 },
    );
  }

  /** Closes the bus. */
  close(): Promise<void> {
    return this.#bus.close();
  }
}
