/**
 * The portable message types users touch: what a handler receives, what middleware wraps, and how a delivery is
 * settled. Provider types appear only behind `raw`.
 *
 * @example
 * ```ts
 * const handler: Handler<Order> = async (message) => {
 *   console.log(message.id, message.attempt, message.body.orderId);
 * };
 * ```
 * @module
 */
import type { Attributes } from './attributes.js';
import type { DeadLetterEnvelope } from './envelope.js';

/** What a dead-letter request says about the failure. */
export interface DeadLetterRequest {
  /** Short reason, e.g. `max-attempts`, `non-retryable`, `validation`. */
  readonly reason: string;
  /** The error that caused it, if any. */
  readonly error?: unknown;
}

/** Settles a delivery explicitly. Settling twice is a no-op; an unsettled delivery is settled by the bus. */
export interface DeliveryControl {
  /** True once acked, released or dead-lettered. */
  readonly settled: boolean;
  /** Done: remove the message. */
  ack(): Promise<void>;
  /** Retry later: available again after `delaySeconds` (default 0), through the provider's lease. */
  release(delaySeconds?: number): Promise<void>;
  /** Move to the dead-letter target now, with the Omnibus envelope. */
  deadLetter(request: DeadLetterRequest): Promise<void>;
  /** Extends the lease (the bus already does this while a handler runs). */
  extendLease(seconds?: number): Promise<void>;
}

/** A received message. `T` is the body type (validated when the declaration has a schema). */
export interface ReceivedMessage<T = unknown> {
  /** Provider message id. */
  readonly id: string;
  readonly body: T;
  /** User attributes (Omnibus's reserved attributes removed). */
  readonly attributes: Attributes;
  readonly orderingKey: string | undefined;
  /** 1 on the first delivery. */
  readonly attempt: number;
  /** Max attempts declared for the source. */
  readonly maxAttempts: number;
  readonly publishTime: Date;
  /** Queue name or `topic/subscription`. */
  readonly source: string;
  /** Name of the handler (from `consume`'s `name` option or the function's name). */
  readonly handlerName: string;
  /** The encoded body as received. */
  readonly rawBody: string | Uint8Array;
  /** The provider's own message (escape hatch; provider types only here). */
  readonly raw: unknown;
  /** On a dead-letter queue: why the message was dead-lettered. */
  readonly deadLetter: DeadLetterEnvelope | undefined;
  /** Settlement controls, for middleware and advanced handlers. */
  readonly delivery: DeliveryControl;
}

/** A message handler. What it returns may be cached by idempotency. */
export type Handler<T = unknown> = (message: ReceivedMessage<T>) => unknown;

/**
 * A middleware: a plain wrapper around the next handler.
 *
 * @example
 * ```ts
 * const timing: Middleware = (next) => async (message) => {
 *   const started = Date.now();
 *   try { return await next(message); } finally { console.log(message.id, Date.now() - started, 'ms'); }
 * };
 * ```
 */
export type Middleware = (next: Handler<any>) => Handler<any>;

/** Options of a send. */
export interface SendOptions {
  readonly attributes?: Attributes;
  /** Required on ordered destinations; messages with the same key are handled in order. */
  readonly orderingKey?: string;
  /** On deduplicating destinations; defaults to a SHA-256 of the encoded body. */
  readonly dedupId?: string;
  /** Queues only: delay before the message can be received (default: the queue's). */
  readonly delaySeconds?: number;
}

/** One entry of a batch send. */
export interface BatchEntry<T> extends SendOptions {
  readonly body: T;
}

/** The result of sending one message. */
export interface SendReceipt {
  /** Provider message id. */
  readonly id: string;
}
