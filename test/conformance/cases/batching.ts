/**
 * Batching cases: batches over the provider's count or byte limit are split (every call within both limits) and
 * every message arrives; concurrent single sends are batched automatically; one bad entry refuses the whole batch
 * before anything is sent.
 *
 * @example
 * ```ts
 * registerBatchingCases(harness);
 * ```
 * @module
 */
import { describe, expect } from 'vitest';
import { defineQueue, defineTopic, ValidationError } from '../../../core/index.js';
import type { ConformanceHarness } from '../harness.js';
import { settleOf } from '../harness.js';
import { expectError, testCase } from '../support/cases.js';
import { collect } from '../support/collect.js';
import { byIndex, range } from '../support/fixtures.js';
import { setup, type TestContext } from '../support/setup.js';

function expectCallsWithinLimits(ctx: TestContext): void {
  const { maxBatchCount, maxBatchBytes } = ctx.caps.limits;
  for (const call of ctx.sends) {
    expect(call.count).toBeLessThanOrEqual(maxBatchCount);
    if (call.count > 1) expect(call.bytes).toBeLessThanOrEqual(maxBatchBytes);
  }
}

/**
 * Registers the batching cases.
 *
 * @example
 * ```ts
 * registerBatchingCases(h);
 * ```
 */
export function registerBatchingCases(h: ConformanceHarness): void {
  describe('batching:', () => {
    testCase(h, 'sendBatch above the provider batch count is split and fully delivered', async () => {
      const q = defineQueue(h.uniqueName('batch'));
      const ctx = await setup(h, [q]);
      const n = Math.min(ctx.caps.limits.maxBatchCount * 2 + 5, 45);
      const receipts = await ctx.bus.sendBatch(
        q,
        range(n).map((i) => ({ body: { i }, attributes: { index: String(i) } })),
      );
      expect(receipts).toHaveLength(n);
      expect(new Set(receipts.map((r) => r.id)).size).toBe(n);
      if (n > ctx.caps.limits.maxBatchCount) expect(ctx.sends.length).toBeGreaterThan(1);
      expectCallsWithinLimits(ctx);
      const got = await collect(ctx, q, n, { settleMs: settleOf(h) });
      expect(got).toHaveLength(n);
      expect(byIndex(got)).toEqual(range(n).map((i) => ({ i })));
      for (const m of got) expect(m.attributes.index).toBe(String((m.body as { i: number }).i));
      // Receipts line up with entries: the receipt of entry i is the id of the message whose body is { i }.
      const idOf = new Map(got.map((m) => [(m.body as { i: number }).i, m.id]));
      expect(receipts.map((r, i) => idOf.get(i) === r.id)).toEqual(range(n).map(() => true));
    });

    testCase(h, 'batches are split by bytes (several ~100 KB messages)', async () => {
      const q = defineQueue(h.uniqueName('bytes'), { format: 'text' });
      const ctx = await setup(h, [q]);
      const { maxMessageBytes, maxBatchBytes } = ctx.caps.limits;
      const size = Math.min(100_000, Math.floor(maxMessageBytes * 0.4));
      const n = Math.min(Math.floor(maxBatchBytes / size) + 2, 12);
      const bodies = range(n).map(
        (i) => `${String(i).padStart(4, '0')}:${String.fromCharCode(97 + i).repeat(size)}`,
      );
      const receipts = await ctx.bus.sendBatch(
        q,
        bodies.map((body) => ({ body })),
      );
      expect(receipts).toHaveLength(n);
      if (n * size > maxBatchBytes) expect(ctx.sends.length).toBeGreaterThan(1);
      expectCallsWithinLimits(ctx);
      const got = await collect(ctx, q, n, { settleMs: settleOf(h) });
      expect(got).toHaveLength(n);
      expect(got.map((m) => m.body as string).sort()).toEqual([...bodies].sort());
    });

    testCase(h, 'concurrent sends are auto-batched and all delivered', async () => {
      const q = defineQueue(h.uniqueName('auto'));
      const ctx = await setup(h, [q]);
      const n = 15;
      const receipts = await Promise.all(range(n).map((i) => ctx.bus.send(q, { i })));
      expect(new Set(receipts.map((r) => r.id)).size).toBe(n);
      // Sends issued in the same turn go out together, in as few calls as the batch limit allows.
      expect(ctx.sends.length).toBe(Math.ceil(n / ctx.caps.limits.maxBatchCount));
      expectCallsWithinLimits(ctx);
      const got = await collect(ctx, q, n, { settleMs: settleOf(h) });
      expect(got).toHaveLength(n);
      expect(byIndex(got)).toEqual(range(n).map((i) => ({ i })));
      const idOf = new Map(got.map((m) => [(m.body as { i: number }).i, m.id]));
      expect(receipts.every((r, i) => idOf.get(i) === r.id)).toBe(true);
    });

    testCase(h, 'publishBatch above the batch count reaches every subscription whole', async () => {
      const t = defineTopic(h.uniqueName('pbatch'));
      const a = t.subscription('a');
      const b = t.subscription('b');
      const ctx = await setup(h, [t]);
      const n = Math.min(ctx.caps.limits.maxBatchCount + 3, 30);
      const receipts = await ctx.bus.publishBatch(
        t,
        range(n).map((i) => ({ body: { i } })),
      );
      expect(receipts).toHaveLength(n);
      expectCallsWithinLimits(ctx);
      for (const sub of [a, b]) {
        const got = await collect(ctx, sub, n, { settleMs: settleOf(h) });
        expect(got).toHaveLength(n);
        expect(byIndex(got)).toEqual(range(n).map((i) => ({ i })));
      }
    });

    testCase(
      h,
      'a batch with one invalid entry is refused whole, naming the entry; nothing sent',
      async () => {
        const q = defineQueue(h.uniqueName('badbatch'));
        const ctx = await setup(h, [q]);
        const entries = range(5).map((i) => ({
          body: { i },
          attributes: i === 3 ? { omnibus_x: 'no' } : { ok: 'yes' },
        }));
        const err = await expectError(ctx.bus.sendBatch(q, entries), ValidationError);
        expect(err.field).toBe('entries[3].attributes.omnibus_x');
        expect(ctx.sends).toHaveLength(0);
        await ctx.bus.send(q, { marker: true });
        const got = await collect(ctx, q, 1, { settleMs: settleOf(h) });
        expect(got.map((m) => m.body)).toEqual([{ marker: true }]);
      },
    );
  });
}
