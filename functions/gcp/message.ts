/**
 * One Pub/Sub message from a push request or CloudEvent, through the processor, to an ack or a nack. The message is
 * read as the GCP adapter's receiver reads a pulled one: the body in the source's format (bytes for `binary`, UTF-8
 * text otherwise), attributes typed back through `omnibus_types`, `deliveryAttempt` as the delivery count, and copies
 * redelivered to another subscription of the topic (`omnibus_target`) acknowledged without processing. Push has no
 * lease to extend and no delayed nack: `release` is answered with a nack, after which the subscription's retry
 * policy (minimum/maximum backoff) decides when the message returns.
 *
 * @example
 * ```ts
 * const { answer } = await processPubsubMessage(ctx, body.message, body.deliveryAttempt, body);
 * res.statusCode = answer === 'ack' ? 204 : 500;
 * ```
 * @module
 */
import { decodeAttributes } from '../../adapters/gcp/attribute-codec.js';
import type { Delivery, SourceSpec } from '../../core/driver.js';
import type { Logger } from '../../core/logger.js';
import type { Outcome, Processor } from '../../core/processor.js';
import { isSettled } from '../shared/outcome.js';
import { processWithin } from '../shared/within.js';
import type { PubsubMessageJson } from './events.js';

/** What processing a message needs. */
export interface PubsubProcessing {
  readonly processor: Processor;
  readonly spec: SourceSpec;
  /** The subscription id the source reads (`omnibus_target` copies for others are skipped). */
  readonly subscriptionId: string;
  readonly logger: Logger;
  /** Queue name or `topic/subscription`, for logs. */
  readonly source: string;
  /** Answer with a nack when processing takes longer, in ms. */
  readonly timeoutMs: number | undefined;
}

/** How a message was answered. */
export interface PubsubResult {
  readonly answer: 'ack' | 'nack';
  /** The processing outcome; undefined when the message was skipped. */
  readonly outcome: Outcome | 'timed-out' | undefined;
  /** Set when the message was a copy meant for another subscription. */
  readonly skipped?: 'other-subscription';
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * What is wrong with a message's JSON, or undefined when it can be processed.
 *
 * @example
 * ```ts
 * pubsubMessageProblem({ data: 'aGk=' }); // 'messageId is missing'
 * ```
 */
export function pubsubMessageProblem(message: unknown): string | undefined {
  if (typeof message !== 'object' || message === null) return 'is not an object';
  const m = message as Partial<PubsubMessageJson>;
  const id = m.messageId ?? m.message_id;
  if (typeof id !== 'string' || id === '') return 'messageId is missing';
  if (m.data !== undefined && m.data !== null && (typeof m.data !== 'string' || !BASE64.test(m.data))) {
    return 'data is not base64 text';
  }
  if (m.attributes !== undefined && m.attributes !== null) {
    if (typeof m.attributes !== 'object') return 'attributes is not an object';
    for (const [k, v] of Object.entries(m.attributes)) {
      if (typeof v !== 'string') return `attributes.${k} is not a string`;
    }
  }
  return undefined;
}

/**
 * A delivery attempt from a push body or CloudEvent data: a positive whole number, else undefined.
 *
 * @example
 * ```ts
 * attemptOf(3); // 3
 * attemptOf(0); // undefined (no dead-letter policy)
 * ```
 */
export function attemptOf(value: unknown): number | undefined {
  const n = typeof value === 'string' ? Number(value) : value;
  return typeof n === 'number' && Number.isInteger(n) && n > 0 ? n : undefined;
}

/**
 * Processes one message (already checked with {@link pubsubMessageProblem}) and says whether to ack or nack it.
 *
 * @example
 * ```ts
 * await processPubsubMessage(ctx, { messageId: '1', data: 'aGk=' }, undefined, raw); // { answer: 'ack', … }
 * ```
 */
export async function processPubsubMessage(
  ctx: PubsubProcessing,
  message: PubsubMessageJson,
  deliveryAttempt: unknown,
  raw: unknown,
): Promise<PubsubResult> {
  const { attributes, target } = decodeAttributes(message.attributes ?? undefined);
  const id = (message.messageId ?? message.message_id) as string;
  if (target !== undefined && target !== ctx.subscriptionId) {
    ctx.logger.debug('skipped a copy redelivered to another subscription', {
      source: ctx.source,
      messageId: id,
    });
    return { answer: 'ack', outcome: undefined, skipped: 'other-subscription' };
  }
  const bytes = Buffer.from(message.data ?? '', 'base64');
  let acked = false;
  const published = Date.parse(message.publishTime ?? message.publish_time ?? '');
  const delivery: Delivery = {
    id,
    body:
      ctx.spec.format === 'binary'
        ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
        : bytes.toString('utf8'),
    attributes,
    orderingKey: message.orderingKey ? message.orderingKey : undefined,
    deliveryCount: attemptOf(deliveryAttempt),
    publishTime: new Date(Number.isFinite(published) ? published : Date.now()),
    raw,
    // The HTTP answer settles: 2xx acks, anything else nacks.
    ack: async () => {
      acked = true;
    },
    release: async () => {},
    // The push deadline is the subscription's ack deadline; it cannot be extended.
    extend: async () => {},
  };
  const outcome = await processWithin(ctx.processor, delivery, ctx.timeoutMs);
  return { answer: isSettled(outcome, acked) ? 'ack' : 'nack', outcome };
}
