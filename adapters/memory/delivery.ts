/**
 * A memory delivery: one delivery of one stored message, with the handle that settles it. A handle goes stale when
 * its lease is lost (the message was redelivered, dead-lettered or removed, or its consumer "crashed"); settling a
 * stale handle throws an OmnibusError with code `LEASE_LOST`, as Service Bus does.
 *
 * @example
 * ```ts
 * const [d] = await receiver.receive(1, { waitSeconds: 0 });
 * await d.release(5); // back in 5 s, delivery count already counted
 * ```
 * @module
 */
import type { Attributes, AttributeValue } from '../../core/attributes.js';
import type { DeadLetterReason, Delivery } from '../../core/driver.js';
import { secondsProblem } from './checks.js';
import type { MemoryRawMessage, StoredMessage } from './message.js';
import type { Store } from './store.js';

function copyBytes(attributes: Attributes): Attributes {
  const out: Record<string, AttributeValue> = {};
  for (const key in attributes) {
    const v = attributes[key] as AttributeValue;
    out[key] = v instanceof Uint8Array ? v.slice() : v;
  }
  return Object.freeze(out);
}

/**
 * One delivery from a memory queue or subscription.
 *
 * @example
 * ```ts
 * const d: Delivery = new MemoryDelivery(store, msg); // made by the store when it leases a message
 * ```
 */
export class MemoryDelivery implements Delivery {
  readonly id: string;
  readonly body: string | Uint8Array;
  readonly attributes: Attributes;
  readonly orderingKey: string | undefined;
  readonly deliveryCount: number;
  /** Present only when the driver dead-letters natively (`nativeDeadLetter: true`). */
  declare deadLetter?: (reason: DeadLetterReason) => Promise<void>;
  readonly #store: Store;
  readonly #msg: StoredMessage;
  readonly #token: number;
  readonly #leaseExpiresAt: number;
  #acked = false;

  constructor(store: Store, msg: StoredMessage) {
    this.#store = store;
    this.#msg = msg;
    this.#token = msg.token;
    this.#leaseExpiresAt = msg.leaseExpiresAt;
    this.id = msg.id;
    this.body = typeof msg.body === 'string' ? msg.body : msg.body.slice();
    this.attributes = msg.hasBytes ? copyBytes(msg.attributes) : msg.attributes;
    this.orderingKey = msg.orderingKey;
    this.deliveryCount = msg.deliveryCount;
    if (store.host.nativeDeadLetter) this.deadLetter = (reason) => this.#deadLetter(reason);
  }

  /** Enqueue time on this entity. */
  get publishTime(): Date {
    return new Date(this.#msg.enqueuedAt);
  }

  /** A {@link MemoryRawMessage} snapshot. */
  get raw(): MemoryRawMessage {
    const m = this.#msg;
    return {
      id: m.id,
      sequence: m.seq,
      enqueuedAt: m.enqueuedAt,
      deliveryCount: this.deliveryCount,
      leaseExpiresAt: this.#leaseExpiresAt,
      path: this.#store.settings.path,
      orderingKey: m.orderingKey,
      deadLetter: m.deadLetter,
    };
  }

  /** The stored message (for the broker's own use). */
  get stored(): StoredMessage {
    return this.#msg;
  }

  async ack(): Promise<void> {
    if (this.#acked) return;
    this.#store.ack(this.#msg, this.#token, this.#store.host.faults.shouldLoseAck());
    this.#acked = true;
  }

  async release(delaySeconds: number): Promise<void> {
    const caps = this.#store.host.caps;
    const problem = secondsProblem(
      'delaySeconds',
      delaySeconds,
      0,
      caps.release.maxDelaySeconds,
      caps.provider,
    );
    if (problem) throw problem;
    this.#store.release(this.#msg, this.#token, delaySeconds * 1000);
  }

  async extend(leaseSeconds: number): Promise<void> {
    const caps = this.#store.host.caps;
    const { minSeconds, maxSeconds } = caps.lease;
    const problem = secondsProblem('leaseSeconds', leaseSeconds, minSeconds, maxSeconds, caps.provider);
    if (problem) throw problem;
    this.#store.extend(this.#msg, this.#token, leaseSeconds * 1000);
  }

  async #deadLetter(reason: DeadLetterReason): Promise<void> {
    this.#store.deadLetter(this.#msg, this.#token, reason);
  }
}
