/**
 * Service Bus trigger input to portable message parts. Application properties arrive as JSON values: strings and
 * finite numbers stay as they are, booleans and anything else (dates, nested values) become their JSON text, and
 * binary properties arrive as the base64 text the host wrote (Functions serializes `byte[]` to JSON that way; the
 * handler cannot tell them from strings). The body arrives as bytes when the trigger binds with
 * `dataType: 'binary'` (the option helpers set it: the exact bytes); otherwise the library may have parsed JSON-looking
 * text, and the handler writes it back as JSON.
 *
 * @example
 * ```ts
 * propertiesToAttributes({ region: 'eu', priority: 3, vip: true }); // { region: 'eu', priority: 3, vip: 'true' }
 * ```
 * @module
 */
import { SERVICE_BUS_DEAD_LETTER_PROPERTIES } from '../../adapters/azure/limits.js';
import { ROUTING_PROPERTY } from '../../adapters/azure/wire.js';
import { type AttributeValue, DEAD_LETTER_ATTRIBUTE, META_ATTRIBUTE } from '../../core/attributes.js';
import type { BodyFormat } from '../../core/declarations.js';
import { toCamelCaseKey } from './camel-case.js';

/**
 * Properties that are not user attributes, as the adapter's receiver drops them: Service Bus's dead-letter reason
 * and description, and the routing property of copies redelivered to one subscription (in the host's casing and in
 * the casing the Node.js library turns them into).
 */
const NOT_ATTRIBUTES = new Set<string>(
  [...SERVICE_BUS_DEAD_LETTER_PROPERTIES, ROUTING_PROPERTY].flatMap((k) => [k, toCamelCaseKey(k)]),
);

/**
 * Portable attributes of application properties.
 *
 * @example
 * ```ts
 * propertiesToAttributes({ n: 1.5 }); // { n: 1.5 }
 * ```
 */
export function propertiesToAttributes(
  properties: Readonly<Record<string, unknown>> | null | undefined,
): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const [name, value] of Object.entries(properties ?? {})) {
    if (value === undefined || value === null || NOT_ATTRIBUTES.has(name)) continue;
    if (typeof value === 'string') out[name] = value;
    else if (typeof value === 'number' && Number.isFinite(value)) out[name] = value;
    else if (value instanceof Uint8Array) out[name] = new Uint8Array(value);
    else out[name] = typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
  if (out[DEAD_LETTER_ATTRIBUTE] !== undefined) delete out[META_ATTRIBUTE];
  return out;
}

/**
 * The encoded body of a trigger input in the source's format: bytes as bytes (binary) or UTF-8 text, text as is,
 * any other value (JSON the library parsed) as JSON text.
 *
 * @example
 * ```ts
 * bodyOfInput(Buffer.from('{"a":1}'), 'json'); // '{"a":1}'
 * ```
 */
export function bodyOfInput(input: unknown, format: BodyFormat): string | Uint8Array {
  if (input instanceof Uint8Array) {
    return format === 'binary'
      ? new Uint8Array(input.buffer, input.byteOffset, input.byteLength)
      : Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('utf8');
  }
  const text = typeof input === 'string' ? input : (JSON.stringify(input) ?? '');
  return format === 'binary' ? new Uint8Array(Buffer.from(text, 'utf8')) : text;
}

/**
 * A message id from trigger metadata as text (a numeric-looking id was parsed to a number by the library).
 *
 * @example
 * ```ts
 * messageIdOf(123); // '123'
 * ```
 */
export function messageIdOf(value: unknown): string | undefined {
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}
