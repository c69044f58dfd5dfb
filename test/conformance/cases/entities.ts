/**
 * Entity cases: sending or publishing to an entity that was never provisioned is a NotFoundError; receiving from one
 * fails with NotFoundError at the driver, and the bus surfaces it (logged with the error, close still resolves)
 * instead of hanging silently; provisioning twice is harmless and keeps queued messages.
 *
 * The contract for consuming an unprovisioned source: the driver's `openReceiver` may throw NotFoundError, or its
 * first `receive` rejects with it; the bus's consumer then either throws it from `consume`, or logs it (warn or
 * error, with the NotFoundError) and keeps retrying with backoff so a source provisioned later is picked up; its
 * `close()` resolves promptly either way.
 *
 * @example
 * ```ts
 * registerEntityCases(harness);
 * ```
 * @module
 */
import { describe, expect } from 'vitest';
import {
  BatchSendError,
  defineQueue,
  defineTopic,
  NotFoundError,
  type Receiver,
} from '../../../core/index.js';
import type { ConformanceHarness } from '../harness.js';
import { settleOf } from '../harness.js';
import { expectError, testCase } from '../support/cases.js';
import { collect } from '../support/collect.js';
import { setup } from '../support/setup.js';
import { drive, eventually } from '../support/time.js';

/**
 * Registers the entity cases.
 *
 * @example
 * ```ts
 * registerEntityCases(h);
 * ```
 */
export function registerEntityCases(h: ConformanceHarness): void {
  describe('entities:', () => {
    testCase(h, 'sending to an unprovisioned queue is a NotFoundError', async () => {
      const q = defineQueue(h.uniqueName('ghostq'));
      const ctx = await setup(h, [q], { provision: false });
      const err = await expectError(ctx.bus.send(q, { n: 1 }), NotFoundError);
      expect(err.entity).toContain(q.name);
      expect(err.retryable).toBe(false);
      // A batch reports per-message failures: a BatchSendError whose failures are the NotFoundErrors.
      const batch = await expectError(
        ctx.bus.sendBatch(q, [{ body: { n: 1 } }, { body: { n: 2 } }]),
        BatchSendError,
      );
      expect(batch.sent.size).toBe(0);
      expect(batch.failures.map((f) => [f.index, NotFoundError.isInstance(f.error)])).toEqual([
        [0, true],
        [1, true],
      ]);
    });

    testCase(h, 'publishing to an unprovisioned topic is a NotFoundError', async () => {
      const t = defineTopic(h.uniqueName('ghostt'));
      const ctx = await setup(h, [t], { provision: false });
      const err = await expectError(ctx.bus.publish(t, { n: 1 }), NotFoundError);
      expect(err.entity).toContain(t.name);
    });

    testCase(h, 'receiving from an unprovisioned queue fails with NotFoundError (driver level)', async () => {
      const q = defineQueue(h.uniqueName('ghostr'));
      const ctx = await setup(h, [q], { provision: false });
      let receiver: Receiver | undefined;
      const err = await expectError(async () => {
        receiver = ctx.openReceiver(ctx.sourceSpec(q));
        return drive(h, receiver.receive(1, { waitSeconds: 1 }), { what: 'receive on a missing queue' });
      }, NotFoundError);
      expect(err.entity).toContain(q.name);
    });

    testCase(h, 'consuming an unprovisioned queue surfaces NotFoundError and closes promptly', async () => {
      const q = defineQueue(h.uniqueName('ghostc'));
      const ctx = await setup(h, [q], { provision: false });
      let consumer: ReturnType<typeof ctx.consume>;
      try {
        consumer = ctx.consume(q, () => undefined);
      } catch (error) {
        expect(NotFoundError.isInstance(error)).toBe(true);
        return;
      }
      await eventually(h, () => {
        const surfaced = ctx.logs.filter(
          (l) =>
            (l.level === 'warn' || l.level === 'error') &&
            JSON.stringify(l.fields ?? {}).includes('NotFoundError'),
        );
        expect(surfaced.length, 'a warn/error log line carrying the NotFoundError').toBeGreaterThan(0);
      });
      await drive(h, consumer.close(), { what: 'consumer.close()', timeoutMs: 5_000 });
    });

    testCase(h, 'provisioning twice is harmless and keeps queued messages', async () => {
      const q = defineQueue(h.uniqueName('twice'), { maxAttempts: 3, leaseSeconds: 20 });
      const t = defineTopic(h.uniqueName('twicet'));
      const sub = t.subscription('s', { filter: { kind: 'a' } });
      const ctx = await setup(h, [q, t]);
      await ctx.bus.send(q, { before: true });
      await ctx.bus.publish(t, { before: true }, { attributes: { kind: 'a' } });
      await drive(h, ctx.bus.provision(), { what: 'second provision' });
      await drive(h, ctx.bus.provision(), { what: 'third provision' });
      await ctx.bus.send(q, { after: true });
      const got = await collect(ctx, q, 2, { settleMs: settleOf(h) });
      expect(got.map((m) => m.body)).toEqual(expect.arrayContaining([{ before: true }, { after: true }]));
      expect(got).toHaveLength(2);
      const fromSub = await collect(ctx, sub, 1, { settleMs: settleOf(h) });
      expect(fromSub.map((m) => m.body)).toEqual([{ before: true }]);
    });
  });
}
