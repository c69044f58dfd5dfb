/**
 * Small fixtures the cases share: a dependency-free Standard Schema, attribute sets that fill a budget, and helpers
 * to compare what arrived with what was sent.
 *
 * @example
 * ```ts
 * const q = defineQueue(h.uniqueName('v'), { schema: orderSchema });
 * const attrs = attributesOf(caps.limits.maxAttributes - 1);
 * ```
 * @module
 */
import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { AttributeValue, ReceivedMessage } from '../../../core/index.js';
import type { NumberAttributeSupport } from '../harness.js';

/**
 * The body type of {@link orderSchema}.
 *
 * @example
 * ```ts
 * const order: Order = { orderId: 'o-1', total: 12.5 };
 * ```
 */
export interface Order {
  readonly orderId: string;
  readonly total: number;
}

/**
 * A Standard Schema for `{ orderId: string; total: number ≥ 0 }`, written by hand so the suite needs no validator
 * library.
 *
 * @example
 * ```ts
 * defineQueue('orders', { schema: orderSchema });
 * ```
 */
export const orderSchema: StandardSchemaV1<Order, Order> = {
  '~standard': {
    version: 1,
    vendor: 'omnibus-conformance',
    validate(value: unknown): StandardSchemaV1.Result<Order> {
      if (typeof value !== 'object' || value === null) return { issues: [{ message: 'expected an object' }] };
      const v = value as Record<string, unknown>;
      const issues: StandardSchemaV1.Issue[] = [];
      if (typeof v.orderId !== 'string') issues.push({ message: 'expected a string', path: ['orderId'] });
      if (typeof v.total !== 'number' || !(v.total >= 0)) {
        issues.push({ message: 'expected a number ≥ 0', path: ['total'] });
      }
      return issues.length > 0
        ? { issues }
        : { value: { orderId: v.orderId as string, total: v.total as number } };
    },
  },
};

/**
 * `count` string attributes named `a0`, `a1`, … (short names and values, so only the count matters).
 *
 * @example
 * ```ts
 * attributesOf(2); // { a0: 'v0', a1: 'v1' }
 * ```
 */
export function attributesOf(count: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < count; i++) out[`a${i}`] = `v${i}`;
  return out;
}

/**
 * What a number attribute looks like after a round trip on an adapter.
 *
 * @example
 * ```ts
 * expectedNumber(3.5, 'string'); // '3.5'
 * ```
 */
export function expectedNumber(value: number, support: NumberAttributeSupport): AttributeValue {
  return support === 'number' ? value : String(value);
}

/**
 * Bodies of messages, sorted by a numeric field `i` (for unordered sources).
 *
 * @example
 * ```ts
 * byIndex(got); // [{ i: 0 }, { i: 1 }, …]
 * ```
 */
export function byIndex(messages: readonly ReceivedMessage<unknown>[]): { i: number }[] {
  return messages.map((m) => m.body as { i: number }).sort((a, b) => a.i - b.i);
}

/**
 * `[0, 1, …, n-1]`.
 *
 * @example
 * ```ts
 * range(3); // [0, 1, 2]
 * ```
 */
export function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/**
 * Bytes `0, 1, …` of length `n` (every byte value appears when n ≥ 256).
 *
 * @example
 * ```ts
 * allBytes(256)[255]; // 255
 * ```
 */
export function allBytes(n: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => i % 256);
}
