/**
 * The wire format on SQS and SNS: bodies and typed message attributes, both directions, and their size as AWS
 * counts it. No SDK import (the shapes match both SDKs' `MessageAttributeValue`).
 *
 * - Bodies: text as is; bytes (`format: 'binary'`) as base64 text, since SQS and SNS bodies are text. No attribute
 *   marks it: the receiving side's declared format says how to read the body, so the attribute budget stays 9.
 * - Attributes: string → `String`, number → `Number` (plain decimal text), Uint8Array → `Binary`. On receive,
 *   `Number`/`Number.*` → number, `Binary`/`Binary.*` → Uint8Array, anything else (`String`, `String.Array`, …) → string.
 *
 * @example
 * ```ts
 * toWireAttributes({ region: 'eu', total: 12.5 });
 * // { region: { DataType: 'String', StringValue: 'eu' }, total: { DataType: 'Number', StringValue: '12.5' } }
 * ```
 * @module
 */
import type { Attributes, AttributeValue } from '../../core/attributes.js';
import { plainDecimal } from './numbers.js';

/**
 * One message attribute as SQS and SNS take it (and SQS returns it).
 *
 * @example
 * ```ts
 * const a: WireAttribute = { DataType: 'Number', StringValue: '12.5' };
 * ```
 */
export interface WireAttribute {
  DataType: string;
  StringValue?: string;
  BinaryValue?: Uint8Array;
}

/**
 * A received attribute, as loosely typed as the SDKs return it.
 *
 * @example
 * ```ts
 * fromWireAttributes({ k: { DataType: 'String', StringValue: 'v' } satisfies ReceivedWireAttribute });
 * ```
 */
export interface ReceivedWireAttribute {
  readonly DataType?: string | undefined;
  readonly StringValue?: string | undefined;
  readonly BinaryValue?: Uint8Array | undefined;
}

/**
 * One attribute value on the wire.
 *
 * @example
 * ```ts
 * toWireAttribute(new Uint8Array([1])); // { DataType: 'Binary', BinaryValue: Uint8Array [1] }
 * ```
 */
export function toWireAttribute(value: AttributeValue): WireAttribute {
  if (typeof value === 'string') return { DataType: 'String', StringValue: value };
  if (typeof value === 'number') return { DataType: 'Number', StringValue: plainDecimal(value) };
  return { DataType: 'Binary', BinaryValue: value };
}

/**
 * Attributes on the wire.
 *
 * @example
 * ```ts
 * toWireAttributes({ n: 1 }); // { n: { DataType: 'Number', StringValue: '1' } }
 * ```
 */
export function toWireAttributes(attributes: Attributes): Record<string, WireAttribute> {
  const out: Record<string, WireAttribute> = {};
  for (const name in attributes) out[name] = toWireAttribute(attributes[name] as AttributeValue);
  return out;
}

/**
 * Received attributes back to portable values (see the module notes for the type mapping).
 *
 * @example
 * ```ts
 * fromWireAttributes({ n: { DataType: 'Number', StringValue: '12.5' } }); // { n: 12.5 }
 * ```
 */
export function fromWireAttributes(
  wire: Readonly<Record<string, ReceivedWireAttribute>> | undefined,
): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  if (!wire) return out;
  for (const name in wire) {
    const a = wire[name] as ReceivedWireAttribute;
    const type = a.DataType ?? 'String';
    if (type === 'Binary' || type.startsWith('Binary.')) {
      const bytes = a.BinaryValue ?? new Uint8Array(0);
      out[name] = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength).slice();
    } else if (type === 'Number' || type.startsWith('Number.')) {
      const n = Number(a.StringValue);
      out[name] = Number.isFinite(n) && a.StringValue?.trim() ? n : (a.StringValue ?? '');
    } else {
      out[name] = a.StringValue ?? '';
    }
  }
  return out;
}

/**
 * Size of one attribute as SQS and SNS count it: name, data type and value, in bytes.
 *
 * @example
 * ```ts
 * wireAttributeBytes('k', { DataType: 'String', StringValue: 'v' }); // 8
 * ```
 */
export function wireAttributeBytes(name: string, attribute: WireAttribute): number {
  const value =
    attribute.BinaryValue !== undefined
      ? attribute.BinaryValue.byteLength
      : Buffer.byteLength(attribute.StringValue ?? '', 'utf8');
  return Buffer.byteLength(name, 'utf8') + Buffer.byteLength(attribute.DataType, 'utf8') + value;
}

/**
 * Size of a message as SQS and SNS count it: the body text plus every attribute's name, type and value.
 *
 * @example
 * ```ts
 * wireMessageBytes('hi', { k: { DataType: 'String', StringValue: 'v' } }); // 10
 * ```
 */
export function wireMessageBytes(body: string, attributes: Readonly<Record<string, WireAttribute>>): number {
  let size = Buffer.byteLength(body, 'utf8');
  for (const name in attributes) size += wireAttributeBytes(name, attributes[name] as WireAttribute);
  return size;
}

/**
 * A body as sent: text as is, bytes as base64.
 *
 * @example
 * ```ts
 * toWireBody(new Uint8Array([104, 105])); // 'aGk='
 * ```
 */
export function toWireBody(body: string | Uint8Array): string {
  return typeof body === 'string'
    ? body
    : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('base64');
}

/**
 * A received body: bytes (from base64) for `binary` sources, the text otherwise.
 *
 * @example
 * ```ts
 * fromWireBody('aGk=', 'binary'); // Uint8Array [104, 105]
 * ```
 */
export function fromWireBody(
  body: string | undefined,
  format: 'json' | 'text' | 'binary',
): string | Uint8Array {
  const text = body ?? '';
  return format === 'binary' ? new Uint8Array(Buffer.from(text, 'base64')) : text;
}
