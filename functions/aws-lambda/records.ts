/**
 * Lambda records to portable message parts: typed attributes (the same mapping as the AWS adapter's receiver:
 * `Number`/`Number.*` → number, `Binary`/`Binary.*` → bytes, anything else → text), the body in the source's format
 * (bytes from base64 for `binary`), the receive count and the send time. No SDK import.
 *
 * @example
 * ```ts
 * sqsRecordAttributes({ messageAttributes: { n: { dataType: 'Number', stringValue: '2.5' } } } as SqsRecord);
 * // { n: 2.5 }
 * ```
 * @module
 */

import { fromWireAttributes, type ReceivedWireAttribute } from '../../adapters/aws/wire.js';
import type { AttributeValue } from '../../core/attributes.js';
import type { SnsMessageAttribute, SqsMessageAttribute, SqsRecord } from './events.js';

function base64Bytes(text: string | undefined): Uint8Array {
  const bytes = Buffer.from(text ?? '', 'base64');
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * The portable attributes of an SQS record.
 *
 * @example
 * ```ts
 * sqsRecordAttributes(record).sig; // Uint8Array for a Binary attribute
 * ```
 */
export function sqsRecordAttributes(
  record: Pick<SqsRecord, 'messageAttributes'>,
): Record<string, AttributeValue> {
  const wire: Record<string, ReceivedWireAttribute> = {};
  const attributes = record.messageAttributes ?? {};
  for (const name of Object.keys(attributes)) {
    const a = attributes[name] as SqsMessageAttribute;
    const type = a.dataType ?? 'String';
    wire[name] =
      type === 'Binary' || type.startsWith('Binary.')
        ? { DataType: type, BinaryValue: base64Bytes(a.binaryValue) }
        : { DataType: type, StringValue: a.stringValue };
  }
  return fromWireAttributes(wire);
}

/**
 * The portable attributes of an SNS notification (`{ Type, Value }`; `Binary` values are base64).
 *
 * @example
 * ```ts
 * snsAttributes({ total: { Type: 'Number', Value: '12' } }); // { total: 12 }
 * ```
 */
export function snsAttributes(
  attributes: Readonly<Record<string, SnsMessageAttribute>> | undefined,
): Record<string, AttributeValue> {
  const wire: Record<string, ReceivedWireAttribute> = {};
  for (const name of Object.keys(attributes ?? {})) {
    const a = (attributes as Record<string, SnsMessageAttribute>)[name] as SnsMessageAttribute;
    const type = a.Type ?? 'String';
    wire[name] =
      type === 'Binary' || type.startsWith('Binary.')
        ? { DataType: type, BinaryValue: base64Bytes(a.Value) }
        : { DataType: type, StringValue: a.Value };
  }
  return fromWireAttributes(wire);
}

/**
 * A positive whole number from a record's text field, else undefined.
 *
 * @example
 * ```ts
 * countOf('3'); // 3
 * ```
 */
export function countOf(text: string | undefined): number | undefined {
  const n = Number(text);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

/**
 * A time from epoch-milliseconds text or an ISO string; `fallback` when it does not parse.
 *
 * @example
 * ```ts
 * timeOf('1545082649183').toISOString(); // '2018-12-17T21:37:29.183Z'
 * ```
 */
export function timeOf(text: string | undefined, fallback: Date): Date {
  if (text === undefined) return fallback;
  const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  return Number.isFinite(ms) ? new Date(ms) : fallback;
}

/**
 * What is wrong with an SQS record, or undefined when it has every field the handler needs.
 *
 * @example
 * ```ts
 * sqsRecordProblem({ eventSource: 'aws:sns' }); // 'eventSource must be "aws:sqs", got "aws:sns"'
 * ```
 */
export function sqsRecordProblem(record: unknown): string | undefined {
  if (typeof record !== 'object' || record === null) return 'is not an object';
  const r = record as Partial<Record<keyof SqsRecord, unknown>>;
  if (r.eventSource !== undefined && r.eventSource !== 'aws:sqs') {
    return `eventSource must be "aws:sqs", got ${JSON.stringify(r.eventSource)}`;
  }
  if (typeof r.messageId !== 'string' || r.messageId === '') return 'messageId is missing';
  if (typeof r.receiptHandle !== 'string' || r.receiptHandle === '') return 'receiptHandle is missing';
  if (typeof r.body !== 'string') return 'body is missing';
  if (typeof r.eventSourceARN !== 'string') return 'eventSourceARN is missing';
  if (
    r.messageAttributes !== undefined &&
    (typeof r.messageAttributes !== 'object' || r.messageAttributes === null)
  ) {
    return 'messageAttributes is not an object';
  }
  return undefined;
}
