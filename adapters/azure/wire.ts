/**
 * The wire mapping between Omnibus messages and Service Bus messages (pure functions; types only from the SDK).
 *
 * Outgoing: the body travels as one AMQP data section holding the encoded body as is (JSON text, text, or bytes) —
 * never JSON-encoded again as the SDK would do with a string — with a content type; attributes become typed
 * application properties (string, number, binary); the ordering key is the `SessionId`; the dedup id, or else the
 * bus's id, is the `MessageId` (what duplicate detection compares); a delay is a `ScheduledEnqueueTimeUtc`.
 *
 * Incoming: data sections are read as bytes (the receiver skips the SDK's JSON parsing); a value-section body (a
 * plain client sending `bodyType: 'value'`) is read as its JSON text on a `json` source, and on `text` and `binary`
 * sources as the string itself when it is one (else its JSON text). On a
 * `text` source, a data section holding a JSON string literal without a `text/*` content type is unwrapped: that is
 * how the JavaScript SDK sends a string body (`"hi"` for `'hi'`).
 * Application properties come back typed; booleans become `'true'`/`'false'` and dates epoch milliseconds.
 * Service Bus's own dead-letter properties and Omnibus's routing property are not user attributes and are dropped.
 *
 * @example
 * ```ts
 * const message = toServiceBusMessage({ body: '{"a":1}', attributes: { k: 'v' }, id: 'm-1' }, 'json', Date.now());
 * message.body; // <Buffer 7b 22 61 22 3a 31 7d>
 * ```
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { ServiceBusMessage, ServiceBusReceivedMessage } from '@azure/service-bus';
import {
  type Attributes,
  type AttributeValue,
  DEAD_LETTER_ATTRIBUTE,
  decodeMeta,
  META_ATTRIBUTE,
} from '../../core/attributes.js';
import type { BodyFormat } from '../../core/declarations.js';
import type { DriverMessage } from '../../core/driver.js';
import { SERVICE_BUS_DEAD_LETTER_PROPERTIES } from './limits.js';

/**
 * Application property that routes a redelivered copy to one subscription of a topic: every subscription's rules
 * exclude messages that carry it, except the rule of the subscription it names.
 */
export const ROUTING_PROPERTY = 'omnibus_to';

/** Content types the adapter sets per body format. */
export const CONTENT_TYPES: Readonly<Record<BodyFormat, string>> = {
  json: 'application/json',
  text: 'text/plain; charset=utf-8',
  binary: 'application/octet-stream',
};

/** A value Service Bus application properties can hold, as the SDK types them. */
export type PropertyValue = number | boolean | string | Date | null | Buffer;

/** System properties a copy keeps from the message it stands for. */
export type PassThrough = Pick<ServiceBusMessage, 'contentType' | 'correlationId' | 'subject' | 'replyTo'>;

/**
 * Encodes a body as the bytes of one data section.
 *
 * @example
 * ```ts
 * bodyBuffer('é'); // <Buffer c3 a9>
 * ```
 */
export function bodyBuffer(body: string | Uint8Array): Buffer {
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

/**
 * Attributes as application properties (bytes as Buffers, which the AMQP encoder types as binary).
 *
 * @example
 * ```ts
 * toApplicationProperties({ n: 1, b: new Uint8Array([1]) }); // { n: 1, b: <Buffer 01> }
 * ```
 */
export function toApplicationProperties(attributes: Attributes): Record<string, PropertyValue> {
  const out: Record<string, PropertyValue> = {};
  for (const key of Object.keys(attributes)) {
    const value = attributes[key] as AttributeValue;
    out[key] = typeof value === 'string' || typeof value === 'number' ? value : bodyBuffer(value);
  }
  return out;
}

/** Options of {@link toServiceBusMessage}. */
export interface OutgoingOptions {
  /** Default delay when the message names none (a queue's native default delay). */
  readonly defaultDelaySeconds?: number | undefined;
  /** Extra application properties (the routing property of a redelivered copy). */
  readonly extraProperties?: Readonly<Record<string, string>> | undefined;
  /** System properties carried over from the message a copy stands for. */
  readonly passThrough?: PassThrough | undefined;
}

/**
 * A driver message as a Service Bus message.
 *
 * @example
 * ```ts
 * toServiceBusMessage({ body: 'hi', attributes: {}, orderingKey: 'k', delaySeconds: 5 }, 'text', Date.now());
 * // { body: <Buffer 68 69>, sessionId: 'k', scheduledEnqueueTimeUtc: <now + 5 s>, messageId: '<uuid>', … }
 * ```
 */
export function toServiceBusMessage(
  message: DriverMessage,
  format: BodyFormat,
  now: number,
  options: OutgoingOptions = {},
): ServiceBusMessage {
  const properties = toApplicationProperties(message.attributes);
  for (const [k, v] of Object.entries(options.extraProperties ?? {})) properties[k] = v;
  const out: ServiceBusMessage = {
    ...options.passThrough,
    body: bodyBuffer(message.body),
    messageId: message.dedupId ?? message.id ?? randomUUID(),
    // Buffers are encoded as AMQP binary by the SDK's encoder, though its types list only scalars.
    applicationProperties: properties as NonNullable<ServiceBusMessage['applicationProperties']>,
  };
  if (out.contentType === undefined) out.contentType = CONTENT_TYPES[format];
  if (message.orderingKey !== undefined) out.sessionId = message.orderingKey;
  const delay = message.delaySeconds ?? options.defaultDelaySeconds ?? 0;
  if (delay > 0) out.scheduledEnqueueTimeUtc = new Date(now + delay * 1_000);
  return out;
}

/** Property names that are never user attributes on the way in. */
const NOT_ATTRIBUTES = new Set<string>([...SERVICE_BUS_DEAD_LETTER_PROPERTIES, ROUTING_PROPERTY]);

function attributeValue(value: unknown): AttributeValue | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : String(value);
  if (value === null || value === undefined) return undefined;
  if (typeof (value as { toNumber?: unknown }).toNumber === 'function') {
    return (value as { toNumber(): number }).toNumber(); // a Long
  }
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

/**
 * Application properties as attributes. Drops Service Bus's dead-letter properties and the routing property, and
 * (on dead letters) the delivery metadata of the message's previous life: a message carries either
 * `omnibus_meta` or `omnibus_dead_letter`, never both.
 *
 * @example
 * ```ts
 * fromApplicationProperties({ k: 'v', DeadLetterReason: 'x', flag: true }); // { k: 'v', flag: 'true' }
 * ```
 */
export function fromApplicationProperties(properties: Record<string, unknown> | undefined): Attributes {
  const out: Record<string, AttributeValue> = {};
  if (!properties) return out;
  for (const key of Object.keys(properties)) {
    if (NOT_ATTRIBUTES.has(key)) continue;
    const value = attributeValue(properties[key]);
    if (value !== undefined) out[key] = value;
  }
  if (out[DEAD_LETTER_ATTRIBUTE] !== undefined) delete out[META_ATTRIBUTE];
  return out;
}

/**
 * The string a data section holds when it is a JSON string literal (what the JavaScript SDK sends for a string
 * body: `sendMessages({ body: 'hi' })` puts `"hi"` on the wire); else undefined.
 */
function jsonStringOf(bytes: Uint8Array): string | undefined {
  if (bytes.byteLength < 2 || bytes[0] !== 0x22 || bytes[bytes.byteLength - 1] !== 0x22) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(bytes).toString('utf8'));
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A received body in the encoding the format wants: text for `json`/`text`, bytes for `binary`.
 *
 * @example
 * ```ts
 * bodyOf(Buffer.from('{"a":1}'), 'json'); // '{"a":1}'
 * ```
 */
export function bodyOf(body: unknown, format: BodyFormat, contentType?: string): string | Uint8Array {
  let bytes: Uint8Array | undefined;
  let text: string | undefined;
  if (body instanceof Uint8Array) {
    bytes = body;
    if (format === 'text' && !contentType?.toLowerCase().startsWith('text/')) {
      const unwrapped = jsonStringOf(bytes);
      if (unwrapped !== undefined) return unwrapped;
    }
  } else if (typeof body === 'string' && format !== 'json') text = body;
  else if (body === undefined) text = '';
  // A value or sequence section holds a value: its JSON text is what a json source reads.
  else text = JSON.stringify(body, (_k, v) => (typeof v === 'bigint' ? String(v) : v)) ?? '';
  if (format === 'binary') return bytes ?? Buffer.from(text ?? '', 'utf8');
  return text ?? Buffer.from(bytes ?? []).toString('utf8');
}

/** The fields of a delivery that come straight from the received message. */
export interface IncomingFields {
  readonly id: string;
  readonly body: string | Uint8Array;
  readonly attributes: Attributes;
  readonly orderingKey: string | undefined;
  readonly deliveryCount: number;
  readonly publishTime: Date;
}

/**
 * Reads a received message. `deliveryCount` is Service Bus's count plus one (Service Bus counts from 0). The id is
 * the message's logical id: the original id a copy carries in `omnibus_meta` (a delayed release or a redrive sends a
 * copy under a new MessageId), else the MessageId; the MessageId itself stays on `raw`.
 *
 * @example
 * ```ts
 * fromReceived(message, 'json').deliveryCount; // 1 on first delivery
 * ```
 */
export function fromReceived(
  message: ServiceBusReceivedMessage,
  format: BodyFormat,
  now = Date.now(),
): IncomingFields {
  const messageId = message.messageId;
  const providerId =
    messageId === undefined || messageId === null
      ? `seq-${String(message.sequenceNumber ?? '')}`
      : Buffer.isBuffer(messageId)
        ? messageId.toString('hex')
        : String(messageId);
  const attributes = fromApplicationProperties(
    message.applicationProperties as Record<string, unknown> | undefined,
  );
  return {
    id: decodeMeta(attributes[META_ATTRIBUTE]).originalId ?? providerId,
    body: bodyOf(message.body, format, message.contentType),
    attributes,
    orderingKey: message.sessionId ?? undefined,
    deliveryCount: (message.deliveryCount ?? 0) + 1,
    publishTime: message.enqueuedTimeUtc ?? new Date(now),
  };
}

/**
 * The system properties a copy keeps from its original (content type, correlation id, subject, reply-to).
 *
 * @example
 * ```ts
 * passThroughOf(received); // { contentType: 'application/json', subject: 'order' }
 * ```
 */
export function passThroughOf(message: ServiceBusReceivedMessage): PassThrough {
  const out: PassThrough = {};
  if (message.contentType !== undefined) out.contentType = message.contentType;
  if (message.correlationId !== undefined) out.correlationId = message.correlationId;
  if (message.subject !== undefined) out.subject = message.subject;
  if (message.replyTo !== undefined) out.replyTo = message.replyTo;
  return out;
}
