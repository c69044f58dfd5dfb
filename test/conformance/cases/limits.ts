/**
 * Size-limit cases: a message over the provider's size limit is refused with a LimitError naming field, size and
 * limit before anything is sent; a message at the limit is delivered intact (the declared limit is true).
 *
 * @example
 * ```ts
 * registerLimitCases(harness);
 * ```
 * @module
 */
import { describe, expect } from 'vitest';
import { defineQueue, LimitError } from '../../../core/index.js';
import type { ConformanceHarness } from '../harness.js';
import { settleOf } from '../harness.js';
import { expectError, testCase } from '../support/cases.js';
import { collect } from '../support/collect.js';
import { setup } from '../support/setup.js';

/**
 * Registers the size-limit cases.
 *
 * @example
 * ```ts
 * registerLimitCases(h);
 * ```
 */
export function registerLimitCases(h: ConformanceHarness): void {
  describe('limits:', () => {
    testCase(
      h,
      'an oversize message is refused with LimitError naming the limit, before sending',
      async () => {
        const q = defineQueue(h.uniqueName('huge'), { format: 'text' });
        const ctx = await setup(h, [q]);
        const max = ctx.caps.limits.maxMessageBytes;
        const err = await expectError(ctx.bus.send(q, 'x'.repeat(max + 1)), LimitError);
        expect(err.field).toMatch(/^body/);
        expect(err.limit).toBe(max);
        expect(err.actual).toBe(max + 1);
        expect(err.provider).toBe(ctx.caps.provider);
        expect(err.message).toContain(String(max));
        // With attributes counted in the size, they tip a body at the limit over it.
        if (ctx.caps.limits.attributesCountInSize) {
          const tipped = await expectError(
            ctx.bus.send(q, 'x'.repeat(max), { attributes: { k: 'v' } }),
            LimitError,
          );
          expect(tipped.actual).toBe(max + 2);
        }
        // The same in a batch: the whole batch is refused.
        await expectError(
          ctx.bus.sendBatch(q, [{ body: 'small' }, { body: 'x'.repeat(max + 1) }]),
          LimitError,
        );
        expect(ctx.sends).toHaveLength(0);
        await ctx.bus.send(q, 'marker');
        const got = await collect(ctx, q, 1, { settleMs: settleOf(h) });
        expect(got.map((m) => m.body)).toEqual(['marker']);
      },
    );

    testCase(h, 'a message at exactly the size limit is delivered intact', async () => {
      const q = defineQueue(h.uniqueName('atmax'), { format: 'text' });
      const ctx = await setup(h, [q]);
      const max = ctx.caps.limits.maxMessageBytes;
      const body = `${'é'.repeat(100)}${'y'.repeat(max - 200)}`; // multi-byte text counts in bytes
      expect(Buffer.byteLength(body)).toBe(max);
      await ctx.bus.send(q, body);
      const got = await collect(ctx, q, 1, { settleMs: settleOf(h) });
      expect(got).toHaveLength(1);
      expect((got[0]!.body as string).length).toBe(body.length);
      expect(got[0]!.body === body).toBe(true);
    });
  });
}
