/**
 * Consumer cases: competing consumers share the work, each message once; concurrency is a ceiling that is used;
 * a closed consumer loses nothing (messages sent meanwhile go to the next one); closing with handlers in flight
 * lets them finish and settle.
 *
 * @example
 * ```ts
 * registerConsumerCases(harness);
 * ```
 * @module
 */
import { describe, expect } from 'vitest';
import { defineQueue } from '../../../core/index.js';
import type { ConformanceHarness } from '../harness.js';
import { settleOf } from '../harness.js';
import { testCase } from '../support/cases.js';
import { collect, receiveN, record, textOf } from '../support/collect.js';
import { byIndex, range } from '../support/fixtures.js';
import { setup } from '../support/setup.js';
import { advance, drive, eventually } from '../support/time.js';

/**
 * Registers the consumer cases.
 *
 * @example
 * ```ts
 * registerConsumerCases(h);
 * ```
 */
export function registerConsumerCases(h: ConformanceHarness): void {
  describe('consumers:', () => {
    testCase(h, 'competing consumers handle each message exactly once', async () => {
      const q = defineQueue(h.uniqueName('compete'));
      const ctx = await setup(h, [q]);
      const n = 20;
      await ctx.bus.sendBatch(
        q,
        range(n).map((i) => ({ body: { i } })),
      );
      const counts = new Map<number, number>();
      const byConsumer = [0, 0];
      for (const c of [0, 1]) {
        ctx.consume(
          q,
          async (m) => {
            const i = (m.body as { i: number }).i;
            counts.set(i, (counts.get(i) ?? 0) + 1);
            byConsumer[c]!++;
            await ctx.sleep(50);
          },
          { concurrency: 2 },
        );
      }
      await eventually(h, () => expect(counts.size).toBe(n));
      await advance(h, settleOf(h));
      expect([...counts.keys()].sort((a, b) => a - b)).toEqual(range(n));
      expect([...counts.values()].every((c) => c === 1)).toBe(true);
      expect(byConsumer[0]! + byConsumer[1]!).toBe(n);
      expect(ctx.events.filter((e) => e.kind === 'acked')).toHaveLength(n);
    });

    testCase(h, 'the concurrency option is honoured (never more than N in flight)', async () => {
      const q = defineQueue(h.uniqueName('conc'));
      const ctx = await setup(h, [q]);
      const n = 12;
      const limit = 3;
      await ctx.bus.sendBatch(
        q,
        range(n).map((i) => ({ body: { i } })),
      );
      let inFlight = 0;
      let most = 0;
      let done = 0;
      let mostReported = 0;
      const consumer = ctx.consume(
        q,
        async () => {
          inFlight++;
          most = Math.max(most, inFlight);
          mostReported = Math.max(mostReported, consumer.inFlight);
          await ctx.sleep(400);
          inFlight--;
          done++;
        },
        { concurrency: limit },
      );
      await eventually(h, () => expect(done).toBe(n));
      expect(most).toBeLessThanOrEqual(limit);
      expect(most).toBeGreaterThanOrEqual(2); // the option is used, not just a ceiling of 1
      expect(mostReported).toBeLessThanOrEqual(limit);
    });

    // On real adapters this also catches a closed consumer's abandoned long poll taking a message sent right after
    // close (the message then stays hidden for a whole lease): see the driver-level case below.
    testCase(h, 'consumer close and reopen: messages sent while closed go to the next consumer', async () => {
      const q = defineQueue(h.uniqueName('reopen'));
      const ctx = await setup(h, [q]);
      await ctx.bus.sendBatch(q, [{ body: { i: 0 } }, { body: { i: 1 } }]);
      const first = await collect(ctx, q, 2, { settleMs: settleOf(h) });
      expect(byIndex(first)).toEqual([{ i: 0 }, { i: 1 }]);
      // No consumer now: these wait on the queue.
      await ctx.bus.sendBatch(
        q,
        range(3).map((i) => ({ body: { i: i + 2 } })),
      );
      await advance(h, 1_000);
      const second = await collect(ctx, q, 3, { settleMs: settleOf(h) });
      expect(byIndex(second)).toEqual([{ i: 2 }, { i: 3 }, { i: 4 }]);
    });

    testCase(h, 'graceful shutdown: in-flight handlers finish and settle; the rest stay queued', async () => {
      const q = defineQueue(h.uniqueName('grace'));
      const ctx = await setup(h, [q]);
      const n = 8;
      await ctx.bus.sendBatch(
        q,
        range(n).map((i) => ({ body: { i } })),
      );
      const started: number[] = [];
      const finished: number[] = [];
      const consumer = ctx.consume(
        q,
        async (m) => {
          const i = (m.body as { i: number }).i;
          started.push(i);
          await ctx.sleep(1_000);
          finished.push(i);
        },
        { concurrency: 3 },
      );
      await eventually(h, () => expect(started.length).toBeGreaterThanOrEqual(3));
      const closing = consumer.close();
      let finishedWhenClosed = -1;
      void closing.then(() => {
        finishedWhenClosed = finished.length;
      });
      await drive(h, closing, { what: 'consumer.close()' });
      await drive(h, consumer.closed, { what: 'consumer.closed' });
      // close() resolved only after every started handler had finished, and nothing new started meanwhile.
      expect(finishedWhenClosed).toBe(started.length);
      expect([...finished].sort()).toEqual([...started].sort());
      expect(started.length).toBeLessThan(n);
      const acked = ctx.events.filter((e) => e.kind === 'acked').length;
      expect(acked).toBe(started.length);
      // Every message is either handled-and-acked once, or still on the queue for the next consumer.
      const rest = await collect(ctx, q, n - started.length, { settleMs: settleOf(h) });
      const all = [...started, ...rest.map((m) => (m.body as { i: number }).i)].sort((a, b) => a - b);
      expect(all).toEqual(range(n));
    });

    testCase(h, 'an aborted receive returns early and swallows no message (driver level)', async () => {
      const q = defineQueue(h.uniqueName('abortrx'), { leaseSeconds: 60 });
      const ctx = await setup(h, [q]);
      const spec = ctx.sourceSpec(q);
      const receiver = ctx.openReceiver(spec, { maxInFlight: 1 });
      const controller = new AbortController();
      const pending = receiver.receive(1, { waitSeconds: 10, signal: controller.signal });
      await advance(h, 200);
      controller.abort();
      const early = await drive(h, pending, { what: 'the aborted receive', timeoutMs: 3_000 });
      expect(early).toEqual([]);
      // Sent after the abort: the aborted poll must not take it (it would stay hidden for the 60 s lease).
      await ctx.bus.send(q, { after: 'abort' });
      const [d] = await receiveN(ctx, ctx.openReceiver(spec), 1);
      expect(textOf(d!.body)).toBe('{"after":"abort"}');
      expect(d!.deliveryCount === undefined || d!.deliveryCount === 1).toBe(true);
      await d!.ack();
    });

    testCase(h, "aborting the consumer's signal closes it gracefully", async () => {
      const q = defineQueue(h.uniqueName('abort'));
      const ctx = await setup(h, [q]);
      const controller = new AbortController();
      const seen: number[] = [];
      const consumer = ctx.consume(
        q,
        async (m) => {
          seen.push((m.body as { i: number }).i);
          await ctx.sleep(500);
        },
        { signal: controller.signal },
      );
      await ctx.bus.send(q, { i: 0 });
      await eventually(h, () => expect(seen).toEqual([0]));
      controller.abort();
      await drive(h, consumer.closed, { what: 'consumer.closed after abort' });
      expect(ctx.events.filter((e) => e.kind === 'acked')).toHaveLength(1); // the in-flight one finished
      await ctx.bus.send(q, { i: 1 });
      await advance(h, settleOf(h));
      expect(seen).toEqual([0]);
      const rest = await collect(ctx, q, 1, { settleMs: settleOf(h) });
      expect(rest.map((m) => m.body)).toEqual([{ i: 1 }]);
    });

    testCase(h, 'explicit release from the handler redelivers the message', async () => {
      const q = defineQueue(h.uniqueName('release'));
      const ctx = await setup(h, [q]);
      await ctx.bus.send(q, { once: 'more' });
      const rec = record(ctx, q, {
        handler: async (m) => {
          if (m.attempt === 1) await m.delivery.release(0);
        },
      });
      await rec.waitFor(2);
      await advance(h, settleOf(h));
      expect(rec.seen.map((s) => s.message.attempt)).toEqual([1, 2]);
      expect(rec.seen[0]!.message.id).toBe(rec.seen[1]!.message.id);
      expect(ctx.events.filter((e) => e.kind === 'acked')).toHaveLength(1);
    });
  });
}
