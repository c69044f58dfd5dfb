/**
 * Send-side validation cases: a body failing the declared schema, a body that does not fit the format, and bad
 * send options are refused with a ValidationError naming the field — and nothing is sent.
 *
 * @example
 * ```ts
 * registerValidationCases(harness);
 * ```
 * @module
 */
import { describe, expect } from 'vitest';
import { defineQueue, defineTopic, ValidationError } from '../../../core/index.js';
import type { ConformanceHarness } from '../harness.js';
import { settleOf } from '../harness.js';
import { expectError, testCase } from '../support/cases.js';
import { collect } from '../support/collect.js';
import { type Order, orderSchema } from '../support/fixtures.js';
import { setup } from '../support/setup.js';

/**
 * Registers the send-side validation cases.
 *
 * @example
 * ```ts
 * registerValidationCases(h);
 * ```
 */
export function registerValidationCases(h: ConformanceHarness): void {
  describe('validation:', () => {
    testCase(h, 'a body failing the schema is refused with ValidationError; nothing sent', async () => {
      const q = defineQueue(h.uniqueName('schema'), { schema: orderSchema });
      const ctx = await setup(h, [q]);
      const bad = { orderId: 17, total: -1 } as unknown as Order;
      const err = await expectError(ctx.bus.send(q, bad), ValidationError);
      expect(err.field).toBe('body');
      expect(err.issues.map((i) => i.path?.join('.')).sort()).toEqual(['orderId', 'total']);
      const batchErr = await expectError(
        ctx.bus.sendBatch(q, [{ body: { orderId: 'o-1', total: 1 } }, { body: bad }]),
        ValidationError,
      );
      expect(batchErr.field).toBe('entries[1].body');
      expect(ctx.sends).toHaveLength(0);
      await ctx.bus.send(q, { orderId: 'o-2', total: 12.5 });
      const got = await collect(ctx, q, 1, { settleMs: settleOf(h) });
      expect(got.map((m) => m.body)).toEqual([{ orderId: 'o-2', total: 12.5 }]);
    });

    testCase(h, 'a body that does not fit the format is refused with ValidationError', async () => {
      const json = defineQueue(h.uniqueName('fjson'));
      const text = defineQueue(h.uniqueName('ftext'), { format: 'text' });
      const binary = defineQueue(h.uniqueName('fbin'), { format: 'binary' });
      const ctx = await setup(h, [json, text, binary]);
      const circular: Record<string, unknown> = {};
      circular.self = circular;
      for (const body of [10n, undefined, circular, () => 1]) {
        const err = await expectError(ctx.bus.send(json, body), ValidationError);
        expect(err.field).toBe('body');
      }
      for (const body of [42, { a: 1 }, new Uint8Array([1])]) {
        const err = await expectError(ctx.bus.send(text, body as unknown as string), ValidationError);
        expect(err.field).toBe('body');
      }
      for (const body of ['text', [1, 2], { 0: 1 }]) {
        const err = await expectError(ctx.bus.send(binary, body as unknown as Uint8Array), ValidationError);
        expect(err.field).toBe('body');
      }
      expect(ctx.sends).toHaveLength(0);
    });

    testCase(h, 'bad send options are refused with ValidationError naming the option', async () => {
      const q = defineQueue(h.uniqueName('opts'));
      const t = defineTopic(h.uniqueName('optt'));
      const ctx = await setup(h, [q, t]);
      for (const delaySeconds of [-1, Number.NaN, 43_201]) {
        const err = await expectError(ctx.bus.send(q, { n: 1 }, { delaySeconds }), ValidationError);
        expect(err.field).toBe('delaySeconds');
      }
      const topicDelay = await expectError(
        ctx.bus.publish(t, { n: 1 }, { delaySeconds: 5 } as unknown as Record<string, never>),
        ValidationError,
      );
      expect(topicDelay.field).toBe('delaySeconds');
      expect(ctx.sends).toHaveLength(0);
    });
  });
}
