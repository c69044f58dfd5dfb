/**
 * A receiving link on one memory queue or subscription. It looks its entity up on every call, so a receiver opened
 * before `provision` works once the entity exists (until then `receive` rejects with NotFoundError, as a cloud
 * would).
 *
 * @example
 * ```ts
 * const receiver = driver.openReceiver(spec, { maxInFlight: 10, leaseSeconds: 30 });
 * const deliveries = await receiver.receive(10, { waitSeconds: 20, signal });
 * ```
 * @module
 */
import type { Delivery, ReceiveOptions, Receiver } from '../../core/driver.js';
import type { MemoryDelivery } from './delivery.js';
import type { Store } from './store.js';

/**
 * A receiver; `receive` returns what is due at once, or waits on the driver's clock (virtual time in tests).
 *
 * @example
 * ```ts
 * const receiver = new MemoryReceiver(() => storeFor(spec), 30, 10, onClose);
 * ```
 */
export class MemoryReceiver implements Receiver {
  readonly #lookup: () => Store;
  readonly #leaseSeconds: number;
  readonly #maxReceive: number;
  readonly #onClose: (receiver: MemoryReceiver) => void;
  readonly #waiters = new Set<{ finish(d: MemoryDelivery[]): void }>();
  #closed = false;

  constructor(
    lookup: () => Store,
    leaseSeconds: number,
    maxReceive: number,
    onClose: (receiver: MemoryReceiver) => void,
  ) {
    this.#lookup = lookup;
    this.#leaseSeconds = leaseSeconds;
    this.#maxReceive = maxReceive;
    this.#onClose = onClose;
  }

  /** Up to `max` deliveries (at most the receive limit, 10 by default); [] on timeout, abort or close. */
  async receive(max: number, options: ReceiveOptions): Promise<Delivery[]> {
    if (this.#closed || options.signal?.aborted) return [];
    const store = this.#lookup();
    const n = Math.min(Math.floor(max), this.#maxReceive);
    if (!(n > 0)) return [];
    const leaseMs = this.#leaseSeconds * 1000;
    const now = store.take(n, leaseMs);
    const waitSeconds = options.waitSeconds;
    if (now.length > 0 || !(waitSeconds > 0)) return now;
    return store.wait(n, leaseMs, waitSeconds * 1000, options.signal, this.#waiters);
  }

  /** Stops receiving: pending receives return []; deliveries already returned can still be settled. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const waiter of [...this.#waiters]) waiter.finish([]);
    this.#onClose(this);
  }
}
