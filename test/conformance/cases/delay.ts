/**
 * Delay cases: a delayed message is not delivered before its delay and is delivered after it (attempt 1: waiting is
 * not an attempt), per message and as a queue default; delays beyond the native maximum are emulated; the
 * capability decision matches what the adapter says.
 *
 * @example
 * ```ts
 * registerDelayCases(harness);
 * ```
 * @module
 */
import { describe, expect } from 'vitest';
import { CapabilityError, createBus, defineQueue, delaySupport } from '../../../core/index.js';
import type { ConformanceHarness } from '../harness.js';
import { settleOf } from '../harness.js';
import { expectError, skipped, testCase } from '../support/cases.js';
import { record } from '../support/collect.js';
import { setup, withDriver } from '../support/setup.js';
import { advance } from '../support/time.js';

/** Delay used by the delay cases, in seconds: short, yet long enough to tell early from on time. */
const DELAY_SECONDS = 3;
/** Real-time tolerance for delay checks (broker and host clocks, timer granularity). */
const REAL_TOLERANCE_MS = 300;

/**
 * Registers the delay cases.
 *
 * @example
 * ```ts
 * registerDelayCases(h);
 * ```
 */
export function registerDelayCases(h: ConformanceHarness): void {
  const tolerance = h.clock ? 0 : REAL_TOLERANCE_MS;
  describe('delay:', () => {
    if (h.features.delay === 'none') {
      testCase(h, 'declaring a delayed queue is refused with CapabilityError', async () => {
        await withDriver(h, async (driver) => {
          const q = defineQueue(h.uniqueName('nodelay'), { delaySeconds: DELAY_SECONDS });
          const err = await expectError(
            () => createBus({ adapter: driver, declarations: [q] }),
            CapabilityError,
          );
          expect(err.provider).toBe(driver.capabilities.provider);
        });
      });
      return;
    }

    testCase(h, `capability decision: a delay within the native maximum is ${h.features.delay}`, async () => {
      const q = defineQueue(h.uniqueName('dplan'), { delaySeconds: DELAY_SECONDS });
      const ctx = await setup(h, [q]);
      expect(ctx.bus.plan(q).delay).toBe(h.features.delay);
      const caps = ctx.caps;
      if (h.features.delay === 'native') expect(caps.delay.maxSeconds).toBeGreaterThanOrEqual(DELAY_SECONDS);
      else expect(caps.release.maxDelaySeconds).toBeGreaterThan(0);
      // Beyond the native maximum (when a legal delay is beyond it): emulated through delayed release, or refused.
      const beyond = caps.delay.maxSeconds + 60;
      if (caps.delay.maxSeconds > 0 && beyond <= 43_200) {
        const far = defineQueue(h.uniqueName('dfar'), { delaySeconds: beyond });
        if (caps.release.maxDelaySeconds > 0) expect(ctx.bus.plan(far).delay).toBe('emulated');
        else await expectError(() => ctx.bus.plan(far), CapabilityError);
      }
      // Ordered entities: native only where the provider takes a delay on them (SQS FIFO does not).
      if (caps.ordering) {
        const ordered = defineQueue(h.uniqueName('dord'), { delaySeconds: DELAY_SECONDS, ordering: true });
        expect(ctx.bus.plan(ordered).delay).toBe(delaySupport(caps, DELAY_SECONDS, true));
        expect(ctx.bus.plan(ordered).delay).toBe(
          h.features.delay === 'native' && caps.delay.onOrdered ? 'native' : 'emulated',
        );
      }
    });

    testCase(h, 'a delayed send is not delivered before its delay, then delivered (attempt 1)', async () => {
      const q = defineQueue(h.uniqueName('delay'));
      const ctx = await setup(h, [q]);
      const rec = record(ctx, q);
      const sentAt = ctx.now();
      await ctx.bus.send(q, { late: true }, { delaySeconds: DELAY_SECONDS });
      await ctx.bus.send(q, { early: true });
      await rec.waitFor(1);
      expect(rec.bodies()).toEqual([{ early: true }]);
      const late = (await rec.waitFor(2, DELAY_SECONDS * 1_000 + settleOf(h) + 10_000))[1]!;
      expect(late.message.body).toEqual({ late: true });
      expect(late.at - sentAt).toBeGreaterThanOrEqual(DELAY_SECONDS * 1_000 - tolerance);
      expect(late.message.attempt).toBe(1);
      await advance(h, settleOf(h));
      expect(rec.seen).toHaveLength(2);
    });

    testCase(h, 'the queue default delay applies to every message', async () => {
      const q = defineQueue(h.uniqueName('qdelay'), { delaySeconds: DELAY_SECONDS });
      const ctx = await setup(h, [q]);
      const rec = record(ctx, q);
      const sentAt = ctx.now();
      await ctx.bus.sendBatch(q, [{ body: { i: 0 } }, { body: { i: 1 } }]);
      await advance(h, DELAY_SECONDS * 1_000 - 1_000);
      expect(rec.seen).toHaveLength(0);
      await rec.waitFor(2, settleOf(h) + 10_000);
      for (const s of rec.seen) {
        expect(s.at - sentAt).toBeGreaterThanOrEqual(DELAY_SECONDS * 1_000 - tolerance);
        expect(s.message.attempt).toBe(1);
      }
    });

    const beyondName = 'a delay beyond the native maximum is emulated: held, then delivered as attempt 1';
    if (!h.clock) skipped(beyondName, 'a delay over the native maximum takes too long in real time');
    if (h.clock) {
      testCase(h, beyondName, async () => {
        const q = defineQueue(h.uniqueName('dlong'));
        const ctx = await setup(h, [q]);
        const caps = ctx.caps;
        const delay = caps.delay.maxSeconds + 100;
        expect(delay).toBeLessThanOrEqual(43_200);
        expect(delaySupport(caps, delay, false)).toBe('emulated');
        const rec = record(ctx, q);
        const sentAt = ctx.now();
        await ctx.bus.send(q, { far: true }, { delaySeconds: delay });
        await advance(h, delay * 1_000 - 2_000);
        expect(rec.seen).toHaveLength(0);
        await rec.waitFor(1, 10_000);
        expect(rec.seen[0]!.at - sentAt).toBeGreaterThanOrEqual(delay * 1_000);
        expect(rec.seen[0]!.message.attempt).toBe(1);
        expect(rec.seen[0]!.message.attributes).toEqual({});
        await advance(h, settleOf(h));
        expect(rec.seen).toHaveLength(1);
      });
    }
  });
}
