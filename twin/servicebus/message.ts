/**
 * The stored form of a message and how it is rendered on the wire (broker annotations, header, state).
 */
import { type AmqpMessage, amqp } from './amqp.js';
import type { HeapNode } from './heap.js';
import type { Task } from './scheduler.js';

/**
 * Where a message is in its lifecycle. Locked messages keep their state (`active` or `deferred`) and carry a
 * {@link MessageLock}.
 *
 * @example
 * ```ts
 * if (message.state === 'deferred') receiveBySequenceNumber();
 * ```
 */
export type MessageState = 'active' | 'deferred' | 'scheduled';

/**
 * `x-opt-message-state` values (what the SDK maps to `ServiceBusReceivedMessage.state`).
 *
 * @example
 * ```ts
 * MESSAGE_STATE_CODE.deferred; // 1
 * ```
 */
export const MESSAGE_STATE_CODE: Record<MessageState, number> = { active: 0, deferred: 1, scheduled: 2 };

/**
 * A peek-lock held on a message.
 *
 * @example
 * ```ts
 * if (message.lock && message.lock.lockedUntil > clock.now()) renew(message.lock.token);
 * ```
 */
export interface MessageLock {
  /** Lock token, RFC 4122 string form. */
  readonly token: string;
  lockedUntil: number;
  /** Timer of a message lock; session-held locks have none (the session lock governs). */
  task: Task | undefined;
  /** True when the lock belongs to a session lock (released with the session). */
  readonly viaSession: boolean;
}

/**
 * A message held by a queue, subscription or dead-letter queue.
 *
 * @example
 * ```ts
 * const wireMessage = renderMessage(stored, { lockedUntil: stored.lock?.lockedUntil });
 * ```
 */
export interface StoredMessage extends HeapNode {
  readonly seq: number;
  /** The message as sent (plus dead-letter properties), without broker annotations. */
  amqp: AmqpMessage;
  /** Encoded size in bytes. */
  size: number;
  enqueuedAt: number;
  /** Absolute expiry (ms since epoch); `Infinity` when the message never expires. */
  expiresAt: number;
  /** Effective time to live (ms) — the smaller of the message's and the entity's; `Infinity` if none. */
  ttl: number;
  /** Prior failed deliveries (abandons, lock expiries) — the AMQP header `delivery_count`. */
  deliveryCount: number;
  readonly sessionId: string | undefined;
  state: MessageState;
  lock: MessageLock | undefined;
  /** TTL timer while the message waits in an active sub-queue. */
  expiryTask: Task | undefined;
  /** Entity path the message was dead-lettered from. */
  deadLetterSource: string | undefined;
}

/**
 * Creates a stored message.
 *
 * @example
 * ```ts
 * const m = newStoredMessage({ seq: 1, amqp: msg, size: 120, enqueuedAt: now, ttl: Infinity });
 * ```
 */
export function newStoredMessage(fields: {
  seq: number;
  amqp: AmqpMessage;
  size: number;
  enqueuedAt: number;
  ttl: number;
  state?: MessageState;
}): StoredMessage {
  const sessionId = fields.amqp.group_id;
  return {
    heapIndex: -1,
    seq: fields.seq,
    amqp: fields.amqp,
    size: fields.size,
    enqueuedAt: fields.enqueuedAt,
    ttl: fields.ttl,
    expiresAt: fields.enqueuedAt + fields.ttl,
    deliveryCount: 0,
    sessionId: sessionId === undefined || sessionId === null ? undefined : String(sessionId),
    state: fields.state ?? 'active',
    lock: undefined,
    expiryTask: undefined,
    deadLetterSource: undefined,
  };
}

const UINT_MAX = 4_294_967_295;

/**
 * The AMQP message the twin sends to a receiver (or returns from peek / receive-by-sequence-number): the stored
 * message plus `x-opt-sequence-number`, `x-opt-enqueued-time`, `x-opt-locked-until`, `x-opt-deadletter-source`,
 * `x-opt-message-state`, and the header's `delivery_count` and effective `ttl`.
 *
 * @example
 * ```ts
 * sender.send(renderMessage(stored, { lockedUntil }), tag);
 * ```
 */
export function renderMessage(
  message: StoredMessage,
  options: { lockedUntil?: number | undefined } = {},
): AmqpMessage {
  const annotations: Record<string, unknown> = {
    ...(message.amqp.message_annotations ?? {}),
    'x-opt-sequence-number': amqp.types.wrap_long(message.seq),
    'x-opt-enqueued-time': new Date(message.enqueuedAt),
  };
  if (options.lockedUntil !== undefined) annotations['x-opt-locked-until'] = new Date(options.lockedUntil);
  if (message.deadLetterSource !== undefined)
    annotations['x-opt-deadletter-source'] = message.deadLetterSource;
  if (message.state !== 'active')
    annotations['x-opt-message-state'] = amqp.types.wrap_int(MESSAGE_STATE_CODE[message.state]);
  const out: AmqpMessage = {
    ...message.amqp,
    message_annotations: annotations,
    delivery_count: message.deliveryCount,
  };
  if (Number.isFinite(message.ttl)) {
    out.ttl = Math.min(message.ttl, UINT_MAX);
    if (message.amqp.creation_time instanceof Date) {
      out.absolute_expiry_time = new Date(message.amqp.creation_time.getTime() + message.ttl);
    }
  }
  return out;
}
