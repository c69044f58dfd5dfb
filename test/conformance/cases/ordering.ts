/**
 * Ordering cases: messages of one key are handled one at a time, in send order, under concurrency; a failing
 * message blocks the later messages of its key (only its key) until it succeeds; ordering keys are required,
 * refused or bounded as declared. Without ordering, declaring it is a CapabilityError.
 *
 * @example
 * ```ts
 * registerOrderingCases(harness);
 * ```
 * @module
 */
import { describe, expect } from 'vitest';
import {
  CapabilityError,
  createBus,
  defineQueue,
  defineTopic,
  LimitError,
  ValidationError,
} from '../../../core/index.js';
import type { ConformanceHarness } from '../harness.js';
import { settleOf } from '../harness.js';
import { expectError, testCase } from '../support/cases.js';
import { collect, record } from '../support/collect.js';
import { range } from '../support/fixtures.js';
import { setup, withDriver } from '../support/setup.js';
import { advance } from '../support/time.js';

interface Keyed {
  readonly key: string;
  readonly seq: number;
}

/**
 * Registers the ordering cases.
 *
 * @example
 * ```ts
 * registerOrderingCases(h);
 * ```
 */
export function registerOrderingCases(h: ConformanceHarness): void {
  describe('ordering:', () => {
    testCase(h, 'an ordering key on an unordered queue is refused with ValidationError', async () => {
      const q = defineQueue(h.uniqueName('unord'));
      const ctx = await setup(h, [q]);
      const err = await expectError(ctx.bus.send(q, { n: 1 }, { orderingKey: 'k' }), ValidationError);
      expect(err.field).toBe('orderingKey');
      expect(ctx.sends).toHaveLength(0);
    });

    if (!h.features.ordering) {
      testCase(h, 'declaring an ordered queue is refused with CapabilityError', async () => {
        await withDriver(h, async (driver) => {
          const q = defineQueue(h.uniqueName('ord'), { ordering: true });
          const err = await expectError(
            () => createBus({ adapter: driver, declarations: [q] }),
            CapabilityError,
          );
          expect(err.provider).toBe(driver.capabilities.provider);
          expect(err.message).toContain('ordering');
        });
      });
      return;
    }

    testCase(h, 'per-key order is kept under concurrency (3 keys × 10 messages, concurrency 4)', async () => {
      const q = defineQueue(h.uniqueName('order'), { ordering: true });
      const ctx = await setup(h, [q]);
      const keys = ['k-a', 'k-b', 'k-c'];
      const perKey = 10;
      const entries = range(perKey).flatMap((seq) =>
        keys.map((key) => ({ body: { key, seq }, orderingKey: key })),
      );
      await ctx.bus.sendBatch(q, entries);
      const order = new Map<string, number[]>(keys.map((k) => [k, []]));
      const inFlightPerKey = new Map<string, number>();
      let overlap = false;
      let inFlight = 0;
      let most = 0;
      const got = await collect(ctx, q, keys.length * perKey, {
        settleMs: settleOf(h),
        consumer: { concurrency: 4 },
        handler: async (m) => {
          const { key, seq } = m.body as Keyed;
          expect(m.orderingKey).toBe(key);
          if ((inFlightPerKey.get(key) ?? 0) > 0) overlap = true;
          inFlightPerKey.set(key, (inFlightPerKey.get(key) ?? 0) + 1);
          inFlight++;
          most = Math.max(most, inFlight);
          order.get(key)!.push(seq);
          await ctx.sleep(20 + ((seq * 37 + key.charCodeAt(2) * 11) % 60));
          inFlight--;
          inFlightPerKey.set(key, (inFlightPerKey.get(key) ?? 1) - 1);
        },
      });
      expect(got).toHaveLength(keys.length * perKey);
      for (const key of keys) expect(order.get(key), `order of ${key}`).toEqual(range(perKey));
      expect(overlap).toBe(false);
      expect(most).toBeLessThanOrEqual(4);
    });

    // Known core bug (see the conformance report): core/consumer.ts `runOrdered` gives the deliveries queued behind a
    // failed one back with `later.release(0)` without recording a hold, so their first handling reports attempt 2.
    // It shows where the broker hands over several messages of one key at once (SQS FIFO: fails on [aws] with
    // [1, 2], [2, 2]); memory delivers one message per key at a time, so it passes there. Do not weaken this case.
    testCase(
      h,
      'a failing message blocks later messages of its key until it succeeds; other keys go on',
      async () => {
        const q = defineQueue(h.uniqueName('block'), {
          ordering: true,
          maxAttempts: 5,
          retry: { initialDelaySeconds: 1, multiplier: 1, jitter: false },
        });
        const ctx = await setup(h, [q]);
        await ctx.bus.sendBatch(q, [
          { body: { key: 'k', seq: 0 }, orderingKey: 'k' },
          { body: { key: 'k', seq: 1 }, orderingKey: 'k' },
          { body: { key: 'k', seq: 2 }, orderingKey: 'k' },
          { body: { key: 'j', seq: 0 }, orderingKey: 'j' },
        ]);
        const rec = record(ctx, q, {
          consumer: { concurrency: 4 },
          handler: (m) => {
            const { key, seq } = m.body as Keyed;
            if (key === 'k' && seq === 0 && m.attempt === 1) throw new Error('first try fails');
          },
        });
        await rec.waitFor(5);
        await advance(h, settleOf(h));
        const invocations = rec.seen.map((s) => {
          const { key, seq } = s.message.body as Keyed;
          return { key, seq, attempt: s.message.attempt, at: s.at };
        });
        // Key k: the failed first message is retried first; the later ones wait for it, each handled once, as attempt 1.
        expect(
          invocations.filter((i) => i.key === 'k').map((i) => [i.seq, i.attempt]),
          'invocations of key k as [seq, attempt]',
        ).toEqual([
          [0, 1],
          [0, 2],
          [1, 1],
          [2, 1],
        ]);
        // Key j is not held up by key k's failure: it is handled before k's retry.
        const j = invocations.find((i) => i.key === 'j');
        const retry = invocations.find((i) => i.key === 'k' && i.attempt === 2);
        expect(j).toBeDefined();
        expect(j!.at).toBeLessThanOrEqual(retry!.at);
        expect(invocations).toHaveLength(5);
      },
    );

    testCase(h, 'a missing ordering key on an ordered queue is refused with ValidationError', async () => {
      const q = defineQueue(h.uniqueName('nokey'), { ordering: true });
      const ctx = await setup(h, [q]);
      const err = await expectError(ctx.bus.send(q, { n: 1 }), ValidationError);
      expect(err.field).toBe('orderingKey');
      const empty = await expectError(ctx.bus.send(q, { n: 1 }, { orderingKey: '' }), ValidationError);
      expect(empty.field).toBe('orderingKey');
      const batch = await expectError(
        ctx.bus.sendBatch(q, [{ body: { n: 1 }, orderingKey: 'k' }, { body: { n: 2 } }]),
        ValidationError,
      );
      expect(batch.field).toBe('entries[1].orderingKey');
      expect(ctx.sends).toHaveLength(0);
    });

    testCase(h, 'an ordering key over the length limit is refused with LimitError', async () => {
      const q = defineQueue(h.uniqueName('longkey'), { ordering: true });
      const ctx = await setup(h, [q]);
      const max = ctx.caps.limits.maxOrderingKeyLength;
      const err = await expectError(
        ctx.bus.send(q, { n: 1 }, { orderingKey: 'k'.repeat(max + 1) }),
        LimitError,
      );
      expect(err.field).toBe('orderingKey');
      expect(err.limit).toBe(max);
      expect(ctx.sends).toHaveLength(0);
      // At the limit it is accepted and delivered with its key.
      const key = 'k'.repeat(max);
      await ctx.bus.send(q, { n: 2 }, { orderingKey: key });
      const got = await collect(ctx, q, 1, { settleMs: settleOf(h) });
      expect(got.map((m) => [m.body, m.orderingKey])).toEqual([[{ n: 2 }, key]]);
    });

    testCase(h, 'ordered topic: each subscription gets every key in order', async () => {
      const t = defineTopic(h.uniqueName('otopic'), { ordering: true });
      const a = t.subscription('a');
      const ctx = await setup(h, [t]);
      await ctx.bus.publishBatch(
        t,
        range(6).map((seq) => ({
          body: { key: seq % 2 ? 'odd' : 'even', seq },
          orderingKey: seq % 2 ? 'odd' : 'even',
        })),
      );
      const got = await collect(ctx, a, 6, { settleMs: settleOf(h), consumer: { concurrency: 3 } });
      const seqs = (key: string) =>
        got
          .map((m) => m.body as Keyed)
          .filter((b) => b.key === key)
          .map((b) => b.seq);
      expect(seqs('even')).toEqual([0, 2, 4]);
      expect(seqs('odd')).toEqual([1, 3, 5]);
    });
  });
}
