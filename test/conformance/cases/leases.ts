/**
 * Lease and retry cases: an unsettled delivery stays hidden for its lease and then comes back (delivery count 2);
 * the bus extends the lease of a long handler so it is handled once; attempts count up across failures with the
 * same message id; a failed message waits out its backoff.
 *
 * @example
 * ```ts
 * registerLeaseCases(harness);
 * ```
 * @module
 */
import { describe, expect } from 'vitest';
import { defineQueue } from '../../../core/index.js';
import type { ConformanceHarness } from '../harness.js';
import { settleOf } from '../harness.js';
import { testCase, whenOn } from '../support/cases.js';
import { expectNoDelivery, receiveN, record, textOf } from '../support/collect.js';
import { setup } from '../support/setup.js';
import { advance, eventually } from '../support/time.js';

/** Real-time tolerance for backoff checks. */
const REAL_TOLERANCE_MS = 300;

/**
 * Registers the lease and retry cases.
 *
 * @example
 * ```ts
 * registerLeaseCases(h);
 * ```
 */
export function registerLeaseCases(h: ConformanceHarness): void {
  const lease = h.minLeaseSeconds;
  const leaseMs = lease * 1_000;
  const tolerance = h.clock ? 0 : REAL_TOLERANCE_MS;

  describe('leases:', () => {
    whenOn(
      h,
      'leaseExpiry',
      'an unsettled delivery is hidden for its lease, then redelivered (driver level)',
      async () => {
        const q = defineQueue(h.uniqueName('lease'), { leaseSeconds: lease });
        const ctx = await setup(h, [q]);
        const receipt = await ctx.bus.send(q, { lease: 'test' });
        const receiver = ctx.openReceiver(ctx.sourceSpec(q), { maxInFlight: 1, leaseSeconds: lease });
        const [first] = await receiveN(ctx, receiver, 1);
        expect(first!.id).toBe(receipt.id);
        expect(textOf(first!.body)).toBe('{"lease":"test"}');
        if (h.features.deliveryCount) expect(first!.deliveryCount).toBe(1);
        // Not settled: hidden for (most of) the lease…
        await expectNoDelivery(ctx, receiver, leaseMs / 2);
        // …then back, counted as the second delivery.
        const [second] = await receiveN(ctx, receiver, 1, { timeoutMs: leaseMs + 10_000 });
        expect(second!.id).toBe(first!.id);
        expect(textOf(second!.body)).toBe('{"lease":"test"}');
        if (h.features.deliveryCount) expect(second!.deliveryCount).toBe(2);
        else expect([undefined, 2]).toContain(second!.deliveryCount);
        await second!.ack();
        // Acked: it does not come back after another lease.
        await expectNoDelivery(ctx, receiver, leaseMs + 1_000);
      },
    );

    whenOn(
      h,
      'leaseExpiry',
      'a handler longer than the lease keeps it (extension): handled once',
      async () => {
        const q = defineQueue(h.uniqueName('extend'), { leaseSeconds: lease });
        const ctx = await setup(h, [q]);
        await ctx.bus.send(q, { slow: true });
        let calls = 0;
        let done = 0;
        ctx.consume(
          q,
          async () => {
            calls++;
            await ctx.sleep(leaseMs * 2.5);
            done++;
          },
          { concurrency: 2 },
        );
        await eventually(h, () => expect(done).toBe(1), { timeoutMs: leaseMs * 3 + 10_000 });
        await advance(h, leaseMs + settleOf(h));
        expect(calls).toBe(1);
        const acked = ctx.events.filter((e) => e.kind === 'acked');
        expect(acked).toHaveLength(1);
        expect(acked[0]!.attempt).toBe(1);
      },
    );
  });

  describe('retries:', () => {
    testCase(h, 'the attempt count increments across failures; the id stays the same', async () => {
      const q = defineQueue(h.uniqueName('attempts'), {
        maxAttempts: 5,
        retry: { initialDelaySeconds: 1, multiplier: 1, jitter: false },
      });
      const ctx = await setup(h, [q]);
      const receipt = await ctx.bus.send(q, { flaky: true }, { attributes: { kept: 'yes' } });
      const rec = record(ctx, q, {
        handler: (m) => {
          if (m.attempt < 3) throw new Error(`failure ${m.attempt}`);
        },
      });
      await rec.waitFor(3);
      await advance(h, settleOf(h));
      const seen = rec.seen.map((s) => s.message);
      expect(seen.map((m) => m.attempt)).toEqual([1, 2, 3]);
      expect(seen.map((m) => m.id)).toEqual([receipt.id, receipt.id, receipt.id]);
      for (const m of seen) {
        expect(m.body).toEqual({ flaky: true });
        expect(m.attributes).toEqual({ kept: 'yes' });
        expect(m.maxAttempts).toBe(5);
      }
      expect(ctx.events.filter((e) => e.kind === 'released').map((e) => e.attempt)).toEqual([1, 2]);
      expect(ctx.events.filter((e) => e.kind === 'acked').map((e) => e.attempt)).toEqual([3]);
      expect(ctx.events.filter((e) => e.kind === 'deadLettered')).toHaveLength(0);
    });

    testCase(h, 'a failed message is not redelivered before its backoff', async () => {
      const backoff = 3;
      const q = defineQueue(h.uniqueName('backoff'), {
        retry: { initialDelaySeconds: backoff, multiplier: 1, jitter: false },
      });
      const ctx = await setup(h, [q]);
      await ctx.bus.send(q, { later: true });
      let failedAt = 0;
      const rec = record(ctx, q, {
        handler: (m) => {
          if (m.attempt === 1) {
            failedAt = ctx.now();
            throw new Error('not yet');
          }
        },
      });
      await rec.waitFor(1);
      await advance(h, backoff * 1_000 - 1_000);
      expect(rec.seen).toHaveLength(1);
      await rec.waitFor(2, settleOf(h) + 10_000);
      expect(rec.seen[1]!.message.attempt).toBe(2);
      expect(rec.seen[1]!.at - failedAt).toBeGreaterThanOrEqual(backoff * 1_000 - tolerance);
    });
  });
}
