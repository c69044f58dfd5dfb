/**
 * Dead-letter cases: after the last attempt a message lands on its dead-letter queue with the body and the user's
 * attributes untouched and the envelope (reason, attempts, source, handler, error) beside them — natively or by
 * copy, as the adapter says; maxAttempts below a broker's minimum is still honoured by the bus; the broker itself
 * dead-letters a message that is never settled; impossible maxAttempts are refused at startup.
 *
 * @example
 * ```ts
 * registerDeadLetterCases(harness);
 * ```
 * @module
 */
import { describe, expect } from 'vitest';
import {
  CapabilityError,
  createBus,
  type Delivery,
  defineQueue,
  defineTopic,
  RESERVED_ATTRIBUTE_SLOTS,
  readEnvelope,
  splitAttributes,
} from '../../../core/index.js';
import type { ConformanceHarness } from '../harness.js';
import { settleOf } from '../harness.js';
import { expectError, testCase, whenOn } from '../support/cases.js';
import { collect, pull, receiveN, textOf } from '../support/collect.js';
import { attributesOf, expectedNumber } from '../support/fixtures.js';
import { setup, withDriver } from '../support/setup.js';
import { eventually } from '../support/time.js';

/**
 * Registers the dead-letter cases.
 *
 * @example
 * ```ts
 * registerDeadLetterCases(h);
 * ```
 */
export function registerDeadLetterCases(h: ConformanceHarness): void {
  describe('dead-letter:', () => {
    testCase(
      h,
      `after maxAttempts the message is dead-lettered (${h.features.nativeDeadLetterReason ? 'native' : 'emulated'}) with the envelope`,
      async () => {
        const q = defineQueue(h.uniqueName('dlq'), {
          maxAttempts: 3,
          retry: { initialDelaySeconds: 0, jitter: false },
        });
        const ctx = await setup(h, [q]);
        expect(ctx.bus.plan(q).deadLetter).toBe(h.features.nativeDeadLetterReason ? 'native' : 'emulated');
        const receipt = await ctx.bus.send(q, { poison: 1 }, { attributes: { region: 'eu', level: 7 } });
        let calls = 0;
        ctx.consume(
          q,
          () => {
            calls++;
            throw new TypeError(`boom ${calls}`);
          },
          { name: 'failing-handler' },
        );
        const got = await collect(ctx, q.deadLetter!, 1, { settleMs: settleOf(h) });
        expect(got).toHaveLength(1);
        const dl = got[0]!;
        expect(calls).toBe(3);
        expect(dl.body).toEqual({ poison: 1 });
        expect(textOf(dl.rawBody)).toBe('{"poison":1}');
        expect(dl.attributes).toEqual({
          region: 'eu',
          level: expectedNumber(7, h.features.numberAttributes),
        });
        expect(dl.source).toBe(q.deadLetter!.name);
        const env = dl.deadLetter;
        expect(env).toBeDefined();
        expect(env).toMatchObject({
          reason: 'max-attempts',
          attempts: 3,
          source: q.name,
          handler: 'failing-handler',
          originalId: receipt.id,
          redrives: 0,
        });
        expect(env!.error).toMatchObject({ name: 'TypeError', message: 'boom 3' });
        expect(Date.parse(env!.firstFailureAt)).toBeLessThanOrEqual(Date.parse(env!.lastFailureAt));
        const dead = ctx.events.filter((e) => e.kind === 'deadLettered');
        expect(dead).toHaveLength(1);
        expect(dead[0]).toMatchObject({ reason: 'max-attempts', attempt: 3 });
        // Nothing is left on the source.
        expect(ctx.events.filter((e) => e.kind === 'received' && e.source === q.name)).toHaveLength(3);
      },
    );

    testCase(h, 'a subscription dead-letters to its own queue with the envelope', async () => {
      const t = defineTopic(h.uniqueName('dlt'));
      const sub = t.subscription('s', { maxAttempts: 2, retry: { initialDelaySeconds: 0, jitter: false } });
      const other = t.subscription('ok');
      const ctx = await setup(h, [t]);
      await ctx.bus.publish(t, { poison: 'sub' });
      ctx.consume(sub, () => {
        throw new Error('sub failure');
      });
      const got = await collect(ctx, sub.deadLetter!, 1, { settleMs: settleOf(h) });
      expect(got).toHaveLength(1);
      expect(got[0]!.body).toEqual({ poison: 'sub' });
      expect(got[0]!.deadLetter).toMatchObject({
        reason: 'max-attempts',
        attempts: 2,
        source: `${t.name}/s`,
      });
      // The other subscription's copy is untouched by the failure.
      const fine = await collect(ctx, other, 1, { settleMs: settleOf(h) });
      expect(fine.map((m) => [m.body, m.attempt])).toEqual([[{ poison: 'sub' }, 1]]);
    });

    testCase(h, "maxAttempts below the broker's minimum deliveries is honoured by the bus", async () => {
      const q = defineQueue(h.uniqueName('lowmax'), {
        maxAttempts: 2,
        retry: { initialDelaySeconds: 0, jitter: false },
      });
      const ctx = await setup(h, [q]);
      const spec = ctx.sourceSpec(q);
      // The broker's safety net is at least its minimum (Pub/Sub: 5); the bus stops at 2 all the same.
      expect(spec.maxDeliveries).toBe(Math.max(2, ctx.caps.deadLetter.minDeliveries));
      await ctx.bus.send(q, { twice: true });
      const attempts: number[] = [];
      ctx.consume(q, (m) => {
        attempts.push(m.attempt);
        throw new Error('always');
      });
      const got = await collect(ctx, q.deadLetter!, 1, { settleMs: settleOf(h) });
      expect(got).toHaveLength(1);
      expect(attempts).toEqual([1, 2]);
      expect(got[0]!.deadLetter).toMatchObject({ reason: 'max-attempts', attempts: 2 });
    });

    testCase(h, "dead-lettering keeps the user's attributes whole at the full attribute budget", async () => {
      const q = defineQueue(h.uniqueName('dlfull'), { maxAttempts: 1 });
      const ctx = await setup(h, [q]);
      const l = ctx.caps.limits;
      const attributes = attributesOf(l.maxAttributes - RESERVED_ATTRIBUTE_SLOTS);
      await ctx.bus.send(q, { full: true }, { attributes });
      ctx.consume(q, () => {
        throw new Error('x'.repeat(5_000)); // a long error: the envelope is trimmed, never the user's data
      });
      await eventually(h, () => expect(ctx.events.filter((e) => e.kind === 'deadLettered')).toHaveLength(1));
      // Read the dead letter raw: the user's attributes plus exactly one envelope attribute, within the limits.
      const receiver = ctx.openReceiver(ctx.sourceSpec(q.deadLetter!));
      const [d] = await receiveN(ctx, receiver, 1);
      const { user, deadLetter } = splitAttributes(d!.attributes);
      expect(user).toEqual(attributes);
      expect(textOf(d!.body)).toBe('{"full":true}');
      expect(typeof deadLetter).toBe('string');
      expect(Object.keys(d!.attributes).length).toBeLessThanOrEqual(l.maxAttributes);
      if (Number.isFinite(l.maxAttributeValueBytes)) {
        expect(Buffer.byteLength(deadLetter as string)).toBeLessThanOrEqual(l.maxAttributeValueBytes);
      }
      const env = readEnvelope(d!.attributes);
      expect(env).toMatchObject({ reason: 'max-attempts', attempts: 1, source: q.name });
      expect(env!.error?.message.startsWith('xxxx')).toBe(true);
      await d!.ack();
    });

    whenOn(
      h,
      'brokerDeadLetter',
      'the broker dead-letters a message never settled after maxDeliveries (driver level)',
      async () => {
        const lease = h.minLeaseSeconds;
        const q = defineQueue(h.uniqueName('brokerdl'), { leaseSeconds: lease, maxAttempts: 2 });
        const ctx = await setup(h, [q]);
        const spec = ctx.sourceSpec(q);
        const maxDeliveries = spec.maxDeliveries!;
        expect(maxDeliveries).toBe(Math.max(2, ctx.caps.deadLetter.minDeliveries));
        const dlqSpec = ctx.sourceSpec(q.deadLetter!);
        await ctx.bus.send(q, { never: 'settled' });
        const main = ctx.openReceiver(spec, { maxInFlight: 1, leaseSeconds: lease });
        const dlq = ctx.openReceiver(dlqSpec);
        let deliveries = 0;
        let dead: Delivery | undefined;
        await eventually(
          h,
          async () => {
            deliveries += (await pull(ctx, main, 1)).length; // never settled: the lease runs out
            if (!dead) dead = (await pull(ctx, dlq, 1))[0];
            expect(dead, `on the dead-letter queue after ${deliveries} deliveries`).toBeDefined();
          },
          { timeoutMs: maxDeliveries * (lease * 1_000 + 2_000) + 15_000 },
        );
        expect(deliveries).toBe(maxDeliveries);
        expect(textOf(dead!.body)).toBe('{"never":"settled"}');
        await dead!.ack();
      },
    );

    testCase(
      h,
      "maxAttempts beyond the broker's maximum deliveries is refused with CapabilityError",
      async () => {
        await withDriver(h, async (driver) => {
          const max = driver.capabilities.deadLetter.maxDeliveries;
          if (max >= 1000) {
            // Every legal maxAttempts (1–1000) fits: the largest is accepted.
            const q = defineQueue(h.uniqueName('maxok'), { maxAttempts: 1000 });
            const bus = createBus({ adapter: driver, declarations: [q] });
            expect(bus.plan(q).maxDeliveries).toBe(1000);
            return;
          }
          const q = defineQueue(h.uniqueName('maxno'), { maxAttempts: max + 1 });
          const err = await expectError(
            () => createBus({ adapter: driver, declarations: [q] }),
            CapabilityError,
          );
          expect(err.message).toContain(`maxAttempts: ${max + 1}`);
          // Without a dead-letter queue there is no broker limit to respect.
          const free = defineQueue(h.uniqueName('maxfree'), { maxAttempts: max + 1, deadLetter: false });
          expect(createBus({ adapter: driver, declarations: [free] }).plan(free).deadLetter).toBe('none');
        });
      },
    );
  });
}
