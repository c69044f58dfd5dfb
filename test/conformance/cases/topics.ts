/**
 * Topic cases: fan-out gives every subscription a copy; a topic without subscriptions takes publishes; filtered
 * subscriptions get exactly the matching messages (equals, anyOf, prefix, exists, range, and their AND), through
 * the bus everywhere and at the driver level where the backend filters on the server.
 *
 * @example
 * ```ts
 * registerTopicCases(harness);
 * ```
 * @module
 */
import { describe, expect } from 'vitest';
import { type Attributes, defineTopic, type Filter } from '../../../core/index.js';
import type { ConformanceHarness } from '../harness.js';
import { settleOf } from '../harness.js';
import { testCase, whenOn } from '../support/cases.js';
import { collect, expectNoDelivery, receiveN, textOf } from '../support/collect.js';
import { byIndex, range } from '../support/fixtures.js';
import { setup } from '../support/setup.js';

/** One filter case: a filter and attribute sets, each marked as matching or not. */
interface FilterCase {
  readonly kind: string;
  readonly filter: Filter;
  readonly samples: readonly { readonly attributes: Attributes; readonly matches: boolean }[];
}

const FILTER_CASES: readonly FilterCase[] = [
  {
    kind: 'equals',
    filter: { region: 'eu' },
    samples: [
      { attributes: { region: 'eu' }, matches: true },
      { attributes: { region: 'eu', other: 'x' }, matches: true },
      { attributes: { region: 'us' }, matches: false },
      { attributes: { region: 'EU' }, matches: false },
      { attributes: { other: 'eu' }, matches: false },
    ],
  },
  {
    kind: 'anyOf',
    filter: { tier: { anyOf: ['gold', 'silver'] } },
    samples: [
      { attributes: { tier: 'gold' }, matches: true },
      { attributes: { tier: 'silver' }, matches: true },
      { attributes: { tier: 'bronze' }, matches: false },
      { attributes: { tier: 'golden' }, matches: false },
      { attributes: {}, matches: false },
    ],
  },
  {
    kind: 'prefix',
    filter: { sku: { prefix: 'BK-' } },
    samples: [
      { attributes: { sku: 'BK-1' }, matches: true },
      { attributes: { sku: 'BK-novel-2' }, matches: true },
      { attributes: { sku: 'bk-1' }, matches: false },
      { attributes: { sku: 'XBK-1' }, matches: false },
      { attributes: { other: 'BK-1' }, matches: false },
    ],
  },
  {
    kind: 'exists',
    filter: { coupon: { exists: true }, gift: { exists: false } },
    samples: [
      { attributes: { coupon: 'c-10' }, matches: true },
      { attributes: { coupon: 'c-20', other: 'x' }, matches: true },
      { attributes: { coupon: 'c-30', gift: 'yes' }, matches: false },
      { attributes: { gift: 'yes' }, matches: false },
      { attributes: {}, matches: false },
    ],
  },
  {
    kind: 'range',
    filter: { total: { range: { gte: 100, lt: 200 } } },
    samples: [
      { attributes: { total: 100 }, matches: true },
      { attributes: { total: 150.5 }, matches: true },
      { attributes: { total: 199 }, matches: true },
      { attributes: { total: 99.99 }, matches: false },
      { attributes: { total: 200 }, matches: false },
      { attributes: {}, matches: false },
    ],
  },
  {
    kind: 'AND of conditions',
    filter: { region: 'eu', total: { range: { gt: 10 } }, tier: { anyOf: ['gold'] } },
    samples: [
      { attributes: { region: 'eu', total: 11, tier: 'gold' }, matches: true },
      { attributes: { region: 'eu', total: 10, tier: 'gold' }, matches: false },
      { attributes: { region: 'us', total: 11, tier: 'gold' }, matches: false },
      { attributes: { region: 'eu', total: 11, tier: 'silver' }, matches: false },
      { attributes: { region: 'eu', total: 11 }, matches: false },
    ],
  },
];

/**
 * Registers the topic and filter cases.
 *
 * @example
 * ```ts
 * registerTopicCases(h);
 * ```
 */
export function registerTopicCases(h: ConformanceHarness): void {
  describe('topics:', () => {
    testCase(h, 'fan-out: every subscription gets a copy of every message', async () => {
      const t = defineTopic(h.uniqueName('fan'));
      const subs = [t.subscription('a'), t.subscription('b'), t.subscription('c')];
      const ctx = await setup(h, [t]);
      const n = 4;
      await ctx.bus.publishBatch(
        t,
        range(n).map((i) => ({ body: { i }, attributes: { seq: String(i) } })),
      );
      for (const sub of subs) {
        const got = await collect(ctx, sub, n, { settleMs: settleOf(h) });
        expect(got).toHaveLength(n);
        expect(byIndex(got)).toEqual(range(n).map((i) => ({ i })));
        for (const m of got) {
          expect(m.attributes).toEqual({ seq: String((m.body as { i: number }).i) });
          expect(m.source).toBe(`${t.name}/${sub.name}`);
        }
      }
    });

    testCase(h, 'publish to a topic with no subscriptions does not throw', async () => {
      const t = defineTopic(h.uniqueName('lonely'));
      const ctx = await setup(h, [t]);
      const receipt = await ctx.bus.publish(t, { nobody: 'listens' });
      expect(typeof receipt.id).toBe('string');
      expect(receipt.id.length).toBeGreaterThan(0);
      const batch = await ctx.bus.publishBatch(t, [{ body: { a: 1 } }, { body: { b: 2 } }]);
      expect(batch).toHaveLength(2);
    });
  });

  describe('filters:', () => {
    for (const fc of FILTER_CASES) {
      testCase(h, `${fc.kind}: only matching messages reach a filtered subscription`, async () => {
        const t = defineTopic(h.uniqueName('filt'));
        const all = t.subscription('all');
        const filtered = t.subscription('only', { filter: fc.filter });
        const ctx = await setup(h, [t]);
        await ctx.bus.publishBatch(
          t,
          fc.samples.map((s, i) => ({ body: { i }, attributes: s.attributes })),
        );
        const expected = fc.samples.flatMap((s, i) => (s.matches ? [{ i }] : []));
        // The unfiltered subscription proves every message was published.
        const everything = await collect(ctx, all, fc.samples.length, { settleMs: settleOf(h) });
        expect(everything).toHaveLength(fc.samples.length);
        const got = await collect(ctx, filtered, expected.length, { settleMs: settleOf(h) });
        expect(byIndex(got)).toEqual(expected);
      });
    }

    whenOn(
      h,
      'serverFilters',
      'server side: non-matching messages never reach the subscription',
      async () => {
        const t = defineTopic(h.uniqueName('sfilt'));
        const subs = FILTER_CASES.map((fc, k) => t.subscription(`f${k}`, { filter: fc.filter }));
        const ctx = await setup(h, [t]);
        expect(ctx.caps.serverFilters).toBe(true);
        expect(ctx.bus.plan(subs[0]!).filter).toBe('native');
        const samples = FILTER_CASES.flatMap((fc, k) =>
          fc.samples.map((s) => ({ ...s, caseIndex: k, attributes: { ...s.attributes } })),
        );
        await ctx.bus.publishBatch(
          t,
          samples.map((s, i) => ({ body: { i }, attributes: s.attributes })),
        );
        for (const [k, fc] of FILTER_CASES.entries()) {
          const receiver = ctx.openReceiver(ctx.sourceSpec(subs[k]!));
          const expected = samples.flatMap((s, i) => (matchesCase(fc, s.attributes) ? [i] : []));
          const got = await receiveN(ctx, receiver, expected.length);
          for (const d of got) await d.ack();
          await expectNoDelivery(ctx, receiver, settleOf(h));
          const indices = got
            .map((d) => (JSON.parse(textOf(d.body)) as { i: number }).i)
            .sort((a, b) => a - b);
          expect(indices, `filter ${fc.kind}`).toEqual(expected);
        }
      },
    );
  });
}

/** Whether `attributes` match case `fc`, by hand-written rules (not by the code under test). */
function matchesCase(fc: FilterCase, attributes: Attributes): boolean {
  return handMatch(fc.kind, attributes);
}

function handMatch(kind: string, a: Attributes): boolean {
  const num = (v: unknown) => (typeof v === 'number' ? v : undefined);
  switch (kind) {
    case 'equals':
      return a.region === 'eu';
    case 'anyOf':
      return a.tier === 'gold' || a.tier === 'silver';
    case 'prefix':
      return typeof a.sku === 'string' && a.sku.startsWith('BK-');
    case 'exists':
      return a.coupon !== undefined && a.gift === undefined;
    case 'range': {
      const t = num(a.total);
      return t !== undefined && t >= 100 && t < 200;
    }
    default: {
      const t = num(a.total);
      return a.region === 'eu' && t !== undefined && t > 10 && a.tier === 'gold';
    }
  }
}
