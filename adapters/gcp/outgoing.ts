/**
 * Turns a driver message into the Pub/Sub message that is published, checking what core cannot see: the encoded
 * attributes (types, base64, the redelivery target), the UTF-8 size of the ordering key, the exact request size,
 * and Pub/Sub's refusal of a message with neither data nor attributes. Every failure is a typed error naming the
 * field and the limit, raised before anything is sent.
 *
 * @example
 * ```ts
 * const wire = toWireMessage(message, 'projects/p/topics/billing');
 * await topic.publishMessage(wire);
 * ```
 * @module
 */
import type { DriverMessage } from '../../core/driver.js';
import { CapabilityError, LimitError, ValidationError } from '../../core/errors.js';
import { encodeAttributes } from './attribute-codec.js';
import {
  GCP_PROVIDER,
  MAX_ATTRIBUTE_NAME_BYTES,
  MAX_ATTRIBUTE_VALUE_BYTES,
  MAX_ORDERING_KEY_BYTES,
  MAX_PUBLISH_REQUEST_BYTES,
  PUBSUB_MAX_ATTRIBUTES,
} from './limits.js';
import { publishRequestBytes } from './wire-size.js';

/** A message as the Node client publishes it. */
export interface WireMessage {
  readonly data: Buffer;
  readonly attributes: Record<string, string>;
  readonly orderingKey?: string;
}

/**
 * Encodes and checks one message for `topicPath`; `target` marks a copy meant for one subscription. Dedup ids are
 * ignored (Pub/Sub has no broker dedup; core refuses declarations that ask for it); a native delay is refused.
 *
 * @example
 * ```ts
 * toWireMessage({ body: '{"a":1}', attributes: { n: 1 } }, 'projects/p/topics/t');
 * // { data: <Buffer 7b …>, attributes: { n: '1', omnibus_types: 'n=n' } }
 * ```
 */
export function toWireMessage(message: DriverMessage, topicPath: string, target?: string): WireMessage {
  if (message.delaySeconds !== undefined && message.delaySeconds > 0) {
    throw new CapabilityError(GCP_PROVIDER, 'delaySeconds', 'Pub/Sub has no delayed delivery');
  }
  const data =
    typeof message.body === 'string'
      ? Buffer.from(message.body, 'utf8')
      : Buffer.from(message.body.buffer, message.body.byteOffset, message.body.byteLength);
  const attributes = encodeAttributes(message.attributes, target);
  const names = Object.keys(attributes);
  if (names.length > PUBSUB_MAX_ATTRIBUTES) {
    throw new LimitError(
      'attributes (with Omnibus attributes)',
      names.length,
      PUBSUB_MAX_ATTRIBUTES,
      GCP_PROVIDER,
      'attributes',
    );
  }
  for (const name of names) {
    const nameBytes = Buffer.byteLength(name, 'utf8');
    if (nameBytes > MAX_ATTRIBUTE_NAME_BYTES) {
      throw new LimitError(`attributes.${name} (name)`, nameBytes, MAX_ATTRIBUTE_NAME_BYTES, GCP_PROVIDER);
    }
    const valueBytes = Buffer.byteLength(attributes[name] as string, 'utf8');
    if (valueBytes > MAX_ATTRIBUTE_VALUE_BYTES) {
      throw new LimitError(`attributes.${name}`, valueBytes, MAX_ATTRIBUTE_VALUE_BYTES, GCP_PROVIDER);
    }
  }
  if (data.byteLength === 0 && names.length === 0) {
    throw new ValidationError('body', [
      { message: 'is empty and the message has no attributes; Pub/Sub refuses such messages' },
    ]);
  }
  const orderingKey = message.orderingKey === '' ? undefined : message.orderingKey;
  if (orderingKey !== undefined) {
    const keyBytes = Buffer.byteLength(orderingKey, 'utf8');
    if (keyBytes > MAX_ORDERING_KEY_BYTES) {
      throw new LimitError('orderingKey', keyBytes, MAX_ORDERING_KEY_BYTES, GCP_PROVIDER);
    }
  }
  const wire: WireMessage =
    orderingKey === undefined ? { data, attributes } : { data, attributes, orderingKey };
  const size = publishRequestBytes(topicPath, wire);
  if (size > MAX_PUBLISH_REQUEST_BYTES) {
    throw new LimitError(
      'body (body and attributes, as one publish request)',
      size,
      MAX_PUBLISH_REQUEST_BYTES,
      GCP_PROVIDER,
    );
  }
  return wire;
}
