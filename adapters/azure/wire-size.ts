/**
 * Conservative AMQP sizes of a Service Bus message (an upper bound: every string, binary and map is counted with
 * its widest length prefix, every number as 8 bytes). Used for the two checks the service makes and the bus cannot
 * see exactly: the 64 KB header (system plus application properties) and, when a message does not fit an empty
 * batch, the size reported in the LimitError.
 *
 * @example
 * ```ts
 * headerBytes({ body: Buffer.from('x'), messageId: 'm', applicationProperties: { k: 'v' } }); // 60
 * ```
 * @module
 */
import type { ServiceBusMessage } from '@azure/service-bus';

/** Widest encoding of a string or symbol: constructor, 4-byte length, UTF-8 bytes. */
function stringBytes(value: string): number {
  return 5 + Buffer.byteLength(value, 'utf8');
}

/**
 * Widest encoding of one value of an application property or annotation.
 *
 * @example
 * ```ts
 * valueBytes('abc'); // 8
 * ```
 */
export function valueBytes(value: unknown): number {
  if (value === null || value === undefined || typeof value === 'boolean') return 1;
  if (typeof value === 'string') return stringBytes(value);
  if (typeof value === 'number' || typeof value === 'bigint' || value instanceof Date) return 9;
  if (value instanceof Uint8Array) return 5 + value.byteLength;
  return stringBytes(JSON.stringify(value) ?? '');
}

/** Widest encoding of a map: constructor, 4-byte size and count, then the entries. */
function mapBytes(map: Readonly<Record<string, unknown>> | undefined): number {
  if (!map) return 0;
  let size = 9;
  for (const key of Object.keys(map)) size += stringBytes(key) + valueBytes(map[key]);
  return size;
}

/** Described section overhead: descriptor constructor plus an 8-byte code. */
const SECTION_BYTES = 10;

/**
 * Upper bound of the header of a message: the properties section (ids, content type, subject …), application
 * properties and message annotations (scheduled time, partition key).
 *
 * @example
 * ```ts
 * headerBytes(message) <= MAX_HEADER_BYTES;
 * ```
 */
export function headerBytes(message: ServiceBusMessage): number {
  const system: Record<string, unknown> = {
    messageId: message.messageId,
    sessionId: message.sessionId,
    contentType: message.contentType,
    correlationId: message.correlationId,
    subject: message.subject,
    replyTo: message.replyTo,
    replyToSessionId: message.replyToSessionId,
    to: message.to,
  };
  let properties = SECTION_BYTES + 9;
  for (const value of Object.values(system)) properties += value === undefined ? 1 : valueBytes(value);
  const annotations: Record<string, unknown> = {};
  if (message.scheduledEnqueueTimeUtc)
    annotations['x-opt-scheduled-enqueue-time'] = message.scheduledEnqueueTimeUtc;
  if (message.partitionKey) annotations['x-opt-partition-key'] = message.partitionKey;
  const header = SECTION_BYTES + 20; // durable, priority, ttl, first-acquirer, delivery-count
  return (
    header +
    properties +
    SECTION_BYTES +
    mapBytes(message.applicationProperties as Record<string, unknown> | undefined) +
    (Object.keys(annotations).length ? SECTION_BYTES + mapBytes(annotations) : 0)
  );
}

/**
 * Upper bound of a whole message inside a one-message batch (the batch envelope repeats the ids).
 *
 * @example
 * ```ts
 * messageBytesUpperBound(message) > batch.maxSizeInBytes; // why tryAddMessage said no
 * ```
 */
export function messageBytesUpperBound(message: ServiceBusMessage): number {
  const body = message.body instanceof Uint8Array ? message.body.byteLength : valueBytes(message.body);
  const envelope = 64 + valueBytes(message.messageId) + valueBytes(message.sessionId ?? '');
  return envelope + headerBytes(message) + SECTION_BYTES + 5 + body;
}
