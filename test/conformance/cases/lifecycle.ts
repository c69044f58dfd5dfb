/**
 * Lifecycle cases: `bus.close()` resolves with consumers running and a handler in flight (which finishes), flushes
 * pending sends, and leaves no timer behind (so the process can exit); a closed bus refuses new work.
 *
 * @example
 * ```ts
 * registerLifecycleCases(harness);
 * ```
 * @module
 */
import { getEventListeners } from 'node:events';
import { describe, expect, onTestFinished } from 'vitest';
import { ConfigurationError, defineQueue } from '../../../core/index.js';
import type { ConformanceHarness } from '../harness.js';
import { expectError, testCase } from '../support/cases.js';
import { trackRealTimers } from '../support/recorders.js';
import { setup } from '../support/setup.js';
import { drive, eventually } from '../support/time.js';

/** Real-time grace for SDK sockets and timers to wind down after close. */
const REAL_TIMER_GRACE_MS = 3_000;

/**
 * Registers the lifecycle cases.
 *
 * @example
 * ```ts
 * registerLifecycleCases(h);
 * ```
 */
export function registerLifecycleCases(h: ConformanceHarness): void {
  describe('lifecycle:', () => {
    testCase(h, 'close() resolves with work in flight and leaves no timers behind', async () => {
      const lease = h.minLeaseSeconds;
      const q = defineQueue(h.uniqueName('close'), { leaseSeconds: lease });
      const idle = defineQueue(h.uniqueName('idle'));
      const timers = trackRealTimers();
      onTestFinished(() => timers.stop());
      const ctx = await setup(h, [q, idle]);
      let started = 0;
      let finished = 0;
      ctx.consume(q, async () => {
        started++;
        await ctx.sleep(lease * 1_000); // long enough for a lease extension timer to be armed
        finished++;
      });
      ctx.consume(idle, () => undefined); // an idle consumer, waiting in receive
      await ctx.bus.send(q, { n: 1 });
      await eventually(h, () => expect(started).toBe(1));
      expect(ctx.clock.pending).toBeGreaterThan(0); // the handler's sleep and the lease extension
      // A send issued just before close is flushed, not lost.
      const late = ctx.bus.send(idle, { late: true });
      await drive(h, ctx.bus.close(), { what: 'bus.close()' });
      await late;
      expect(finished).toBe(1);
      expect(ctx.events.filter((e) => e.kind === 'acked')).toHaveLength(1);
      expect(ctx.clock.pending, "the bus's timers after close").toBe(0);
      if (h.pendingTimers) expect(h.pendingTimers(), "the harness clock's timers after close").toBe(0);
      // Real (ref'd) timers keep a process alive: none created during the case may be left (SDKs get a grace).
      const deadline = Date.now() + REAL_TIMER_GRACE_MS;
      while (timers.live() > 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50).unref());
      }
      expect(timers.live(), "ref'd real timers created by the case and still pending after close").toBe(0);
      // Closing again is harmless.
      await drive(h, ctx.bus.close(), { what: 'second bus.close()' });
    });

    // Regression guard: core/consumer.ts `loop` once added an 'abort' listener on every wait for a free slot and never
    // removed it (31 listeners after 30 messages; fixed in commit 132d84e). Do not weaken this case.
    testCase(h, 'a long-running consumer does not pile up listeners on its abort signal', async () => {
      const q = defineQueue(h.uniqueName('listen'));
      const ctx = await setup(h, [q]);
      const n = 30;
      await ctx.bus.sendBatch(
        q,
        Array.from({ length: n }, (_, i) => ({ body: { i } })),
      );
      let done = 0;
      ctx.consume(q, async () => {
        await ctx.sleep(10); // the loop waits for the one slot while each handler runs
        done++;
      });
      await eventually(h, () => expect(done).toBe(n));
      expect(ctx.receiveSignals.size).toBeGreaterThan(0);
      for (const signal of ctx.receiveSignals) {
        // One for close, one for a pending receive or slot wait: a fixed number, whatever the work done.
        expect(getEventListeners(signal, 'abort').length).toBeLessThanOrEqual(3);
      }
    });

    testCase(h, 'a closed bus refuses sends and consumers with ConfigurationError', async () => {
      const q = defineQueue(h.uniqueName('closed'));
      const ctx = await setup(h, [q]);
      await drive(h, ctx.bus.close(), { what: 'bus.close()' });
      await expectError(ctx.bus.send(q, { n: 1 }), ConfigurationError);
      await expectError(ctx.bus.sendBatch(q, [{ body: { n: 1 } }]), ConfigurationError);
      await expectError(() => ctx.bus.consume(q, () => undefined), ConfigurationError);
      await expectError(ctx.bus.provision(), ConfigurationError);
    });
  });
}
