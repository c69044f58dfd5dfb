/**
 * Settles deliveries with unary calls, batched: acks and deadline changes issued in the same turn of the event
 * loop go out together (one `Acknowledge` or `ModifyAckDeadline` per subscription and deadline, at most 1,000 ack
 * ids each). Unary calls work for any ack id whatever stream delivered it, so a delivery settles itself after its
 * receiver has closed. When the service refuses a batch as invalid (one stale or malformed ack id), the ids are
 * retried one by one so the others still settle.
 *
 * @example
 * ```ts
 * const settler = new Settler(() => clients.get().then((c) => c.subscriber));
 * await settler.ack('projects/p/subscriptions/billing', ackId);
 * await settler.modAck('projects/p/subscriptions/billing', ackId, 30); // release in 30 s, or extend to 30 s
 * ```
 * @module
 */
import type { SubscriberApi } from './clients.js';
import { GrpcCode, grpcCode, toOmnibusError } from './errors.js';
import { MAX_ACK_IDS_PER_REQUEST } from './limits.js';
import { resourceId } from './names.js';

interface Pending {
  readonly ackId: string;
  resolve(): void;
  reject(error: unknown): void;
}

interface Batch {
  readonly subscription: string;
  /** undefined: acknowledge; a number: modifyAckDeadline to this many seconds. */
  readonly seconds: number | undefined;
  readonly items: Pending[];
}

/** Batched acknowledge and modifyAckDeadline calls. */
export class Settler {
  readonly #subscriber: () => Promise<SubscriberApi>;
  readonly #batches = new Map<string, Batch>();
  readonly #inFlight = new Set<Promise<void>>();
  #scheduled = false;

  constructor(subscriber: () => Promise<SubscriberApi>) {
    this.#subscriber = subscriber;
  }

  /** Acknowledges one delivery. */
  ack(subscription: string, ackId: string): Promise<void> {
    return this.#add(subscription, undefined, ackId);
  }

  /** Sets one delivery's deadline to `seconds` from now (0 = available again at once). */
  modAck(subscription: string, ackId: string, seconds: number): Promise<void> {
    return this.#add(subscription, seconds, ackId);
  }

  /** Sends everything queued and waits for every call in flight. */
  async drain(): Promise<void> {
    this.#flushAll();
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  #add(subscription: string, seconds: number | undefined, ackId: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const key = `${seconds ?? 'ack'}|${subscription}`;
      let batch = this.#batches.get(key);
      if (!batch) {
        batch = { subscription, seconds, items: [] };
        this.#batches.set(key, batch);
      }
      batch.items.push({ ackId, resolve, reject });
      if (batch.items.length >= MAX_ACK_IDS_PER_REQUEST) this.#flush(key);
      else if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.#flushAll());
      }
    });
  }

  #flushAll(): void {
    this.#scheduled = false;
    for (const key of [...this.#batches.keys()]) this.#flush(key);
  }

  #flush(key: string): void {
    const batch = this.#batches.get(key);
    if (!batch) return;
    this.#batches.delete(key);
    const p = this.#send(batch).finally(() => this.#inFlight.delete(p));
    this.#inFlight.add(p);
  }

  async #send(batch: Batch): Promise<void> {
    try {
      await this.#call(
        batch.subscription,
        batch.seconds,
        batch.items.map((i) => i.ackId),
      );
      for (const item of batch.items) item.resolve();
    } catch (error) {
      if (grpcCode(error) === GrpcCode.INVALID_ARGUMENT && batch.items.length > 1) {
        await Promise.all(
          batch.items.map((item) =>
            this.#call(batch.subscription, batch.seconds, [item.ackId]).then(
              () => item.resolve(),
              (e: unknown) => item.reject(this.#error(e, batch)),
            ),
          ),
        );
        return;
      }
      const mapped = this.#error(error, batch);
      for (const item of batch.items) item.reject(mapped);
    }
  }

  async #call(subscription: string, seconds: number | undefined, ackIds: string[]): Promise<void> {
    const client = await this.#subscriber();
    if (seconds === undefined) await client.acknowledge({ subscription, ackIds });
    else await client.modifyAckDeadline({ subscription, ackIds, ackDeadlineSeconds: seconds });
  }

  #error(error: unknown, batch: Batch) {
    return toOmnibusError(
      error,
      batch.seconds === undefined ? 'acknowledge' : `modifyAckDeadline(${batch.seconds} s)`,
      `subscription "${resourceId(batch.subscription)}"`,
    );
  }
}
