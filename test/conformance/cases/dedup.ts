/**
 * Deduplication cases: a second message with the same dedup id inside the window is dropped by the broker (and
 * the same body without an id, by its content hash); after the window it is delivered again; dedup ids are
 * bounded. Without broker dedup, declaring it is a CapabilityError.
 *
 * @example
 * ```ts
 * registerDedupCases(harness);
 * ```
 * @module
 */
import { describe, expect } from 'vitest';
import {
  type Capabilities,
  CapabilityError,
  createBus,
  defineQueue,
  LimitError,
  type SendOptions,
  ValidationError,
} from '../../../core/index.js';
import type { ConformanceHarness } from '../harness.js';
import { settleOf } from '../harness.js';
import { expectError, testCase, whenOn } from '../support/cases.js';
import { collect } from '../support/collect.js';
import { setup, withDriver } from '../support/setup.js';
import { advance } from '../support/time.js';

/** A dedup queue the adapter accepts: its window (fixed, or 60 s within bounds) and ordering where required. */
function dedupQueue(h: ConformanceHarness, caps: Capabilities, prefix: string, windowSeconds?: number) {
  const d = caps.dedup;
  if (!d) throw new Error('the adapter has no dedup');
  const window =
    d.fixedWindowSeconds ?? windowSeconds ?? Math.min(Math.max(60, d.minWindowSeconds), d.maxWindowSeconds);
  const q = defineQueue(h.uniqueName(prefix), {
    deduplication: { windowSeconds: window },
    ordering: d.requiresOrdering,
  });
  const opts: SendOptions = d.requiresOrdering ? { orderingKey: 'dedup' } : {};
  return { q, window, opts };
}

/** Capabilities without opening a test's bus (drivers are cheap to make and close). */
async function capsOf(h: ConformanceHarness): Promise<Capabilities> {
  return withDriver(h, (driver) => driver.capabilities);
}

function bodies(got: readonly { body: unknown }[]): unknown[] {
  return got.map((m) => m.body);
}

/**
 * Registers the dedup cases.
 *
 * @example
 * ```ts
 * registerDedupCases(h);
 * ```
 */
export function registerDedupCases(h: ConformanceHarness): void {
  describe('dedup:', () => {
    if (!h.features.dedup) {
      testCase(h, 'declaring deduplication is refused with CapabilityError', async () => {
        await withDriver(h, async (driver) => {
          const q = defineQueue(h.uniqueName('dedup'), { deduplication: true });
          const err = await expectError(
            () => createBus({ adapter: driver, declarations: [q] }),
            CapabilityError,
          );
          expect(err.provider).toBe(driver.capabilities.provider);
          expect(err.message).toContain('deduplication');
        });
      });
      testCase(h, 'a dedup id on a queue without deduplication is refused with ValidationError', async () => {
        const q = defineQueue(h.uniqueName('nodedup'));
        const ctx = await setup(h, [q]);
        const err = await expectError(ctx.bus.send(q, { n: 1 }, { dedupId: 'x' }), ValidationError);
        expect(err.field).toBe('dedupId');
      });
      return;
    }

    testCase(h, 'the same dedup id inside the window is delivered once', async () => {
      const { q, opts } = dedupQueue(h, await capsOf(h), 'dedup');
      const ctx = await setup(h, [q]);
      expect(ctx.bus.plan(q).dedup).toBe('native');
      await ctx.bus.send(q, { v: 1 }, { ...opts, dedupId: 'same-id' });
      await ctx.bus.send(q, { v: 2 }, { ...opts, dedupId: 'same-id' });
      await ctx.bus.send(q, { v: 3 }, { ...opts, dedupId: 'other-id' });
      const got = await collect(ctx, q, 2, { settleMs: settleOf(h) });
      expect(sortV(bodies(got))).toEqual([{ v: 1 }, { v: 3 }]);
    });

    testCase(h, 'without a dedup id the same body is deduplicated by content', async () => {
      const { q, opts } = dedupQueue(h, await capsOf(h), 'chash');
      const ctx = await setup(h, [q]);
      await ctx.bus.send(q, { v: 9 }, opts);
      await ctx.bus.send(q, { v: 9 }, opts);
      await ctx.bus.send(q, { v: 10 }, opts);
      const got = await collect(ctx, q, 2, { settleMs: settleOf(h) });
      expect(sortV(bodies(got))).toEqual([{ v: 9 }, { v: 10 }]);
    });

    whenOn(h, 'dedupWindowObservable', 'the same dedup id after the window is delivered again', async () => {
      const caps = await capsOf(h);
      const { q, window, opts } = dedupQueue(h, caps, 'dwin');
      const ctx = await setup(h, [q]);
      await ctx.bus.send(q, { v: 1 }, { ...opts, dedupId: 'again' });
      const first = await collect(ctx, q, 1);
      expect(bodies(first)).toEqual([{ v: 1 }]);
      await advance(h, window * 1_000 + 1_000);
      await ctx.bus.send(q, { v: 2 }, { ...opts, dedupId: 'again' });
      const second = await collect(ctx, q, 1, { settleMs: settleOf(h) });
      expect(bodies(second)).toEqual([{ v: 2 }]);
    });

    testCase(h, 'a dedup id over the length limit is refused with LimitError', async () => {
      const { q, opts } = dedupQueue(h, await capsOf(h), 'dlong');
      const ctx = await setup(h, [q]);
      const max = ctx.caps.limits.maxDedupIdLength;
      const err = await expectError(
        ctx.bus.send(q, { n: 1 }, { ...opts, dedupId: 'd'.repeat(max + 1) }),
        LimitError,
      );
      expect(err.field).toBe('dedupId');
      expect(err.limit).toBe(max);
      expect(ctx.sends).toHaveLength(0);
    });
  });
}

function sortV(values: unknown[]): unknown[] {
  return [...values].sort((a, b) => (a as { v: number }).v - (b as { v: number }).v);
}
