/**
 * Exact protobuf size of a Pub/Sub `PublishRequest` carrying one message: the number the service compares with
 * its 10 MB request limit. Core counts body and attribute bytes; the wire adds field tags and lengths, and the
 * adapter adds `omnibus_types` and base64 growth, so the adapter checks this size before publishing.
 *
 * @example
 * ```ts
 * publishRequestBytes('projects/p/topics/t', { data: Buffer.from('hi'), attributes: { k: 'v' } }); // 35
 * ```
 * @module
 */

/** Bytes of a protobuf varint. */
function varintBytes(value: number): number {
  let bytes = 1;
  let v = value;
  while (v >= 0x80) {
    v = Math.floor(v / 0x80);
    bytes++;
  }
  return bytes;
}

/** A length-delimited field with a one-byte tag (field numbers below 16). */
function lengthDelimited(length: number): number {
  return 1 + varintBytes(length) + length;
}

/** The parts of a `PubsubMessage` that are published. */
export interface WireMessage {
  readonly data: Uint8Array;
  readonly attributes: Readonly<Record<string, string>>;
  readonly orderingKey?: string | undefined;
}

/**
 * Encoded size of one `PubsubMessage` (data = 1, attributes = 2 as map entries, ordering_key = 5).
 *
 * @example
 * ```ts
 * pubsubMessageBytes({ data: new Uint8Array(3), attributes: {} }); // 5
 * ```
 */
export function pubsubMessageBytes(message: WireMessage): number {
  // The Node client always sets `data` (an empty Buffer too), so the field is always on the wire.
  let size = lengthDelimited(message.data.byteLength);
  for (const key of Object.keys(message.attributes)) {
    const entry =
      lengthDelimited(Buffer.byteLength(key, 'utf8')) +
      lengthDelimited(Buffer.byteLength(message.attributes[key] as string, 'utf8'));
    size += lengthDelimited(entry);
  }
  if (message.orderingKey) size += lengthDelimited(Buffer.byteLength(message.orderingKey, 'utf8'));
  return size;
}

/**
 * Encoded size of a `PublishRequest` (topic = 1, messages = 2) holding exactly this one message.
 *
 * @example
 * ```ts
 * publishRequestBytes('projects/p/topics/t', message) <= MAX_PUBLISH_REQUEST_BYTES;
 * ```
 */
export function publishRequestBytes(topicPath: string, message: WireMessage): number {
  return lengthDelimited(Buffer.byteLength(topicPath, 'utf8')) + lengthDelimited(pubsubMessageBytes(message));
}
