/**
 * Reads a received Pub/Sub message into the parts of a driver delivery: the body as text (json and text formats)
 * or bytes (binary), the typed attributes (see attribute-codec.ts), the ordering key, the publish time, and the
 * broker's delivery attempt (only set by Pub/Sub where a dead-letter policy exists; 0 or absent otherwise).
 *
 * @example
 * ```ts
 * const parts = readIncoming(received, 'json');
 * parts.body; // '{"orderId":"o-1"}'
 * ```
 * @module
 */
import type { protos } from '@google-cloud/pubsub';
import type { AttributeValue } from '../../core/attributes.js';
import type { BodyFormat } from '../../core/declarations.js';
import { decodeAttributes } from './attribute-codec.js';

/** What a delivery is made of. */
export interface IncomingParts {
  readonly id: string;
  readonly body: string | Uint8Array;
  readonly attributes: Record<string, AttributeValue>;
  /** The subscription a redelivered copy is meant for (`omnibus_target`), if any. */
  readonly target: string | undefined;
  readonly orderingKey: string | undefined;
  readonly publishTime: Date;
  /** `deliveryAttempt`, or undefined when Pub/Sub does not count (no dead-letter policy). */
  readonly deliveryAttempt: number | undefined;
}

/**
 * A protobuf Timestamp as a Date (epoch 0 when absent).
 *
 * @example
 * ```ts
 * timestampToDate({ seconds: 1, nanos: 500_000_000 }).getTime(); // 1500
 * ```
 */
export function timestampToDate(ts: protos.google.protobuf.ITimestamp | null | undefined): Date {
  if (!ts) return new Date(0);
  return new Date(Number(ts.seconds ?? 0) * 1000 + Math.floor(Number(ts.nanos ?? 0) / 1e6));
}

/**
 * The parts of a received message, decoded for `format`.
 *
 * @example
 * ```ts
 * readIncoming({ ackId: 'a', message: { messageId: '1', data: Buffer.from('hi') } }, 'text').body; // 'hi'
 * ```
 */
export function readIncoming(
  received: protos.google.pubsub.v1.IReceivedMessage,
  format: BodyFormat,
): IncomingParts {
  const message = received.message ?? {};
  const data = message.data;
  const bytes =
    data === undefined || data === null
      ? new Uint8Array(0)
      : typeof data === 'string'
        ? new Uint8Array(Buffer.from(data, 'base64'))
        : data;
  const body =
    format === 'binary'
      ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
      : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  const { attributes, target } = decodeAttributes(message.attributes);
  const attempt = Number(received.deliveryAttempt ?? 0);
  return {
    id: message.messageId ?? '',
    body,
    attributes,
    target,
    orderingKey: message.orderingKey ? message.orderingKey : undefined,
    publishTime: timestampToDate(message.publishTime),
    deliveryAttempt: attempt > 0 ? attempt : undefined,
  };
}
