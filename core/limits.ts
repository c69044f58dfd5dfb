/**
 * Limit checks, enforced before anything is sent, with a typed error naming the field, the value and the limit.
 *
 * @example
 * ```ts
 * checkMessage(message, driver.capabilities, 'body'); // throws LimitError: body is 307200 bytes, over …
 * ```
 * @module
 */
import {
  type Attributes,
  type AttributeValue,
  attributeValueBytes,
  RESERVED_ATTRIBUTE_PREFIX,
  RESERVED_ATTRIBUTE_SLOTS,
} from './attributes.js';
import { bodyBytes } from './codec.js';
import type { Capabilities, DriverMessage } from './driver.js';
import { LimitError, ValidationError } from './errors.js';

/**
 * Size of a message as providers count it: body plus, where they count, attribute names and values.
 *
 * @example
 * ```ts
 * messageBytes({ body: 'ab', attributes: { k: 'v' } }, true); // 4
 * ```
 */
export function messageBytes(
  message: Pick<DriverMessage, 'body' | 'attributes'>,
  withAttributes: boolean,
): number {
  let size = bodyBytes(message.body);
  if (withAttributes) {
    for (const key in message.attributes) {
      size += Buffer.byteLength(key, 'utf8') + attributeValueBytes(message.attributes[key] as AttributeValue);
    }
  }
  return size;
}

/**
 * Checks user attributes: names legal on the provider and not reserved, values of a supported type and size, and
 * the count within the user's budget (the provider's limit minus Omnibus's reserved slot).
 *
 * @example
 * ```ts
 * checkAttributes({ 'AWS.x': '1' }, caps, 'attributes'); // throws ValidationError: reserved prefix
 * ```
 */
export function checkAttributes(attributes: Attributes, caps: Capabilities, field: string): void {
  const l = caps.limits;
  const names = Object.keys(attributes);
  const budget = l.maxAttributes - RESERVED_ATTRIBUTE_SLOTS;
  if (names.length > budget) throw new LimitError(field, names.length, budget, caps.provider, 'attributes');
  for (const name of names) {
    const where = `${field}.${name}`;
    if (name.startsWith(RESERVED_ATTRIBUTE_PREFIX)) {
      throw new ValidationError(where, [
        { message: `names starting with "${RESERVED_ATTRIBUTE_PREFIX}" are reserved for Omnibus` },
      ]);
    }
    const lower = name.toLowerCase();
    for (const prefix of l.reservedAttributePrefixes) {
      if (lower.startsWith(prefix.toLowerCase())) {
        throw new ValidationError(where, [
          { message: `names starting with "${prefix}" are reserved by ${caps.provider}` },
        ]);
      }
    }
    if (!l.attributeNamePattern.test(name)) {
      throw new ValidationError(where, [
        { message: `is not a legal attribute name on ${caps.provider} (${String(l.attributeNamePattern)})` },
      ]);
    }
    const nameBytes = Buffer.byteLength(name, 'utf8');
    if (nameBytes > l.maxAttributeNameBytes)
      throw new LimitError(`${where} (name)`, nameBytes, l.maxAttributeNameBytes, caps.provider);
    const value = attributes[name] as unknown;
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) throw new ValidationError(where, [{ message: 'numbers must be finite' }]);
    } else if (typeof value !== 'string' && !(value instanceof Uint8Array)) {
      throw new ValidationError(where, [
        {
          message: `must be a string, a finite number or a Uint8Array, got ${value === null ? 'null' : typeof value}`,
        },
      ]);
    }
    const bytes = attributeValueBytes(value as AttributeValue);
    if (bytes > l.maxAttributeValueBytes)
      throw new LimitError(where, bytes, l.maxAttributeValueBytes, caps.provider);
  }
}

/**
 * Checks a whole message: size (with the reserved slot's room left for Omnibus metadata), ordering key and dedup id.
 *
 * @example
 * ```ts
 * checkMessage({ body: 'x'.repeat(300_000), attributes: {} }, caps, 'body');
 * ```
 */
export function checkMessage(message: DriverMessage, caps: Capabilities, field: string): void {
  const l = caps.limits;
  const size = messageBytes(message, l.attributesCountInSize);
  if (size > l.maxMessageBytes) {
    throw new LimitError(
      l.attributesCountInSize ? `${field} (body and attributes)` : field,
      size,
      l.maxMessageBytes,
      caps.provider,
    );
  }
  if (message.orderingKey !== undefined && message.orderingKey.length > l.maxOrderingKeyLength) {
    throw new LimitError(
      'orderingKey',
      message.orderingKey.length,
      l.maxOrderingKeyLength,
      caps.provider,
      'characters',
    );
  }
  if (message.dedupId !== undefined && message.dedupId.length > l.maxDedupIdLength) {
    throw new LimitError('dedupId', message.dedupId.length, l.maxDedupIdLength, caps.provider, 'characters');
  }
}
