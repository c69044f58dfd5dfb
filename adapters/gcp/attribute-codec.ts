/**
 * Typed attributes on Pub/Sub, whose attribute values are strings only.
 *
 * On the wire every value is plain text a plain client reads sensibly: numbers as decimal text (`String(n)`), bytes
 * as standard base64. One extra attribute, `omnibus_types`, records which attributes were numbers (`n=`) and which
 * were bytes (`b=`), e.g. `n=priority,total;b=sig` (names URI-encoded), so Omnibus reads them back with their
 * types. It is written only when a message has a number or byte attribute. Costs: one attribute slot (out of
 * Pub/Sub's 100), its bytes in the 10 MB message, and base64's 4/3 growth on byte values (a byte attribute holds
 * at most 768 bytes within Pub/Sub's 1024-byte value limit). Messages from plain clients (no `omnibus_types`)
 * read as strings.
 *
 * `omnibus_target` marks a copy redelivered to one subscription of a topic (see `redeliver`); receivers of the
 * topic's other subscriptions drop such copies.
 *
 * @example
 * ```ts
 * encodeAttributes({ region: 'eu', priority: 3 });
 * // { region: 'eu', priority: '3', omnibus_types: 'n=priority' }
 * decodeAttributes({ region: 'eu', priority: '3', omnibus_types: 'n=priority' }).attributes;
 * // { region: 'eu', priority: 3 }
 * ```
 * @module
 */
import { type Attributes, type AttributeValue, RESERVED_ATTRIBUTE_PREFIX } from '../../core/attributes.js';
import { LimitError } from '../../core/errors.js';
import { GCP_PROVIDER, MAX_ATTRIBUTE_VALUE_BYTES } from './limits.js';

/** Names the attributes that were numbers or bytes before encoding. */
export const TYPES_ATTRIBUTE = `${RESERVED_ATTRIBUTE_PREFIX}types`;
/** Names the one subscription a redelivered copy is meant for. */
export const TARGET_ATTRIBUTE = `${RESERVED_ATTRIBUTE_PREFIX}target`;

/** The types `omnibus_types` records; strings are the default and are not listed. */
type Marker = 'n' | 'b';

function encodeTypes(numbers: readonly string[], bytes: readonly string[]): string | undefined {
  const parts: string[] = [];
  if (numbers.length > 0) parts.push(`n=${numbers.map(encodeURIComponent).join(',')}`);
  if (bytes.length > 0) parts.push(`b=${bytes.map(encodeURIComponent).join(',')}`);
  return parts.length > 0 ? parts.join(';') : undefined;
}

function decodeTypes(value: string | undefined): Map<string, Marker> {
  const types = new Map<string, Marker>();
  if (!value) return types;
  for (const part of value.split(';')) {
    const marker = part.slice(0, 2);
    if (marker !== 'n=' && marker !== 'b=') continue;
    for (const name of part.slice(2).split(',')) {
      if (name === '') continue;
      try {
        types.set(decodeURIComponent(name), marker[0] as Marker);
      } catch {
        // malformed escape: leave that attribute a string
      }
    }
  }
  return types;
}

/**
 * Encodes typed attributes as Pub/Sub strings, adding `omnibus_types` when needed and `omnibus_target` when
 * given. Throws {@link LimitError} when an encoded value (base64 bytes, or the type list) passes 1024 bytes.
 *
 * @example
 * ```ts
 * encodeAttributes({ sig: new Uint8Array([1, 2]) }); // { sig: 'AQI=', omnibus_types: 'b=sig' }
 * ```
 */
export function encodeAttributes(
  attributes: Attributes,
  target?: string,
  field = 'attributes',
): Record<string, string> {
  const out: Record<string, string> = {};
  const numbers: string[] = [];
  const bytes: string[] = [];
  for (const name of Object.keys(attributes)) {
    const value = attributes[name] as AttributeValue;
    if (typeof value === 'string') {
      out[name] = value;
    } else if (typeof value === 'number') {
      out[name] = String(value);
      numbers.push(name);
    } else {
      const text = Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
      if (text.length > MAX_ATTRIBUTE_VALUE_BYTES) {
        throw new LimitError(
          `${field}.${name} (as base64)`,
          text.length,
          MAX_ATTRIBUTE_VALUE_BYTES,
          GCP_PROVIDER,
        );
      }
      out[name] = text;
      bytes.push(name);
    }
  }
  const types = encodeTypes(numbers, bytes);
  if (types !== undefined) {
    const size = Buffer.byteLength(types, 'utf8');
    if (size > MAX_ATTRIBUTE_VALUE_BYTES) {
      throw new LimitError(
        `${field} (${TYPES_ATTRIBUTE}: the names of number and byte attributes)`,
        size,
        MAX_ATTRIBUTE_VALUE_BYTES,
        GCP_PROVIDER,
      );
    }
    out[TYPES_ATTRIBUTE] = types;
  }
  if (target !== undefined) out[TARGET_ATTRIBUTE] = target;
  return out;
}

/** Attributes read from the wire, and the subscription a redelivered copy is meant for. */
export interface DecodedAttributes {
  readonly attributes: Record<string, AttributeValue>;
  readonly target: string | undefined;
}

/**
 * Decodes Pub/Sub attributes: values listed in `omnibus_types` get their type back (a value that does not parse
 * stays text); `omnibus_types` and `omnibus_target` are removed.
 *
 * @example
 * ```ts
 * decodeAttributes({ n: '5', omnibus_types: 'n=n', omnibus_target: 'orders-email' });
 * // { attributes: { n: 5 }, target: 'orders-email' }
 * ```
 */
export function decodeAttributes(
  raw: Readonly<Record<string, string>> | null | undefined,
): DecodedAttributes {
  const attributes: Record<string, AttributeValue> = {};
  if (!raw) return { attributes, target: undefined };
  const types = decodeTypes(raw[TYPES_ATTRIBUTE]);
  for (const name of Object.keys(raw)) {
    if (name === TYPES_ATTRIBUTE || name === TARGET_ATTRIBUTE) continue;
    const text = raw[name] as string;
    const marker = types.get(name);
    if (marker === 'n') {
      const n = text.trim() === '' ? Number.NaN : Number(text);
      attributes[name] = Number.isFinite(n) ? n : text;
    } else if (marker === 'b') {
      const decoded = Buffer.from(text, 'base64');
      attributes[name] =
        decoded.toString('base64') === text
          ? new Uint8Array(decoded.buffer, decoded.byteOffset, decoded.byteLength)
          : text;
    } else {
      attributes[name] = text;
    }
  }
  return { attributes, target: raw[TARGET_ATTRIBUTE] };
}
