/**
 * A message as the memory broker stores it, and the raw view a delivery exposes.
 *
 * @example
 * ```ts
 * const raw = delivery.raw as MemoryRawMessage; // { id, sequence, enqueuedAt, deliveryCount, path, … }
 * ```
 * @module
 */
import type { Attributes } from '../../core/attributes.js';

/**
 * Where a stored message is: `pending` (not leased; deliverable once `availableAt` has passed), `waiting` (behind
 * the head of its ordering group), `inflight` (leased to a consumer), `gone` (acked, dead-lettered or dropped).
 *
 * @example
 * ```ts
 * if (msg.state === 'inflight') console.log('leased until', msg.leaseExpiresAt);
 * ```
 */
export type MessageState = 'pending' | 'waiting' | 'inflight' | 'gone';

/**
 * Why a message sits on a dead-letter queue, when the broker moved it there.
 *
 * @example
 * ```ts
 * (delivery.raw as MemoryRawMessage).deadLetter; // { reason: 'max-deliveries', description: '…', source: 'billing' }
 * ```
 */
export interface DeadLetterInfo {
  readonly reason: string;
  readonly description: string;
  /** Path of the queue or subscription it came from. */
  readonly source: string;
}

/**
 * One stored message of one queue or subscription. A topic's fan-out stores one per subscription (same id).
 *
 * @example
 * ```ts
 * const msg = new StoredMessage('id-1', 1, '{}', {}, false, undefined, now, now);
 * ```
 */
export class StoredMessage {
  /** Bumped on every state change or re-scheduling; heap entries with an older one are dead. */
  gen = 0;
  /** Bumped on every delivery (and when the consumer "crashes"); a delivery handle with an older one is stale. */
  token = 0;
  /** Id of the current delayed-count mark, 0 when the message is not counted as delayed. */
  delayMark = 0;
  state: MessageState = 'pending';
  deliveryCount = 0;
  firstDeliveredAt: number | undefined = undefined;
  leaseExpiresAt = 0;
  /** Set on messages the broker moved to a dead-letter queue. */
  deadLetter: DeadLetterInfo | undefined = undefined;

  constructor(
    /** Provider message id (the same on every fan-out copy and on the dead-lettered copy). */
    readonly id: string,
    /** Sequence number within its queue or subscription. */
    readonly seq: number,
    readonly body: string | Uint8Array,
    /** Frozen. */
    readonly attributes: Attributes,
    /** Whether some attribute value is bytes (copied on delivery so consumers cannot alter the stored one). */
    readonly hasBytes: boolean,
    readonly orderingKey: string | undefined,
    /** When it was enqueued on this entity (epoch ms). */
    readonly enqueuedAt: number,
    /** When it can next be delivered (epoch ms). */
    public availableAt: number,
  ) {}
}

/**
 * What `Delivery.raw` holds on the memory driver: a snapshot of the stored message at delivery time.
 *
 * @example
 * ```ts
 * (delivery.raw as MemoryRawMessage).sequence; // 42
 * ```
 */
export interface MemoryRawMessage {
  readonly id: string;
  /** Sequence number within its queue or subscription. */
  readonly sequence: number;
  /** Enqueue time on this entity, epoch ms (also `Delivery.publishTime`). */
  readonly enqueuedAt: number;
  /** Delivery count of this delivery, 1 on the first. */
  readonly deliveryCount: number;
  /** Lease expiry of this delivery when it was made, epoch ms. */
  readonly leaseExpiresAt: number;
  /** Queue name or `topic/subscription`. */
  readonly path: string;
  readonly orderingKey: string | undefined;
  /** On a dead-letter queue, when the broker moved it there: reason, description and source. */
  readonly deadLetter: DeadLetterInfo | undefined;
}
