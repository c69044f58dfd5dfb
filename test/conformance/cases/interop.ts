/**
 * Native-first interop cases: a plain message (no Omnibus attributes, no chosen id) sent by the provider's own
 * client is consumable through the bus; what the bus sends is plain on the wire (the body as is, only the user's
 * attributes).
 *
 * @example
 * ```ts
 * registerInteropCases(harness);
 * ```
 * @module
 */
import { describe, expect } from 'vitest';
import { defineQueue, RESERVED_ATTRIBUTE_PREFIX } from '../../../core/index.js';
import type { ConformanceHarness } from '../harness.js';
import { settleOf } from '../harness.js';
import { testCase } from '../support/cases.js';
import { collect, receiveN, textOf } from '../support/collect.js';
import { setup } from '../support/setup.js';

/**
 * Registers the interop cases.
 *
 * @example
 * ```ts
 * registerInteropCases(h);
 * ```
 */
export function registerInteropCases(h: ConformanceHarness): void {
  describe('interop:', () => {
    testCase(
      h,
      `a plain message sent ${h.sendPlain ? "with the provider's own client" : 'through the raw driver'} is consumable`,
      async () => {
        const q = defineQueue(h.uniqueName('plain'));
        const ctx = await setup(h, [q]);
        const spec = ctx.sourceSpec(q);
        if (spec.kind !== 'queue') throw new Error('expected a queue spec');
        const body = '{"plain":true,"items":[1,2]}';
        if (h.sendPlain) {
          await h.sendPlain(spec, body, { color: 'red' });
        } else {
          const [outcome] = await ctx.rawDriver.send(spec, [{ body, attributes: { color: 'red' } }]);
          expect(outcome?.ok, outcome?.ok ? '' : String(outcome?.error)).toBe(true);
        }
        const got = await collect(ctx, q, 1, { settleMs: settleOf(h) });
        expect(got).toHaveLength(1);
        const m = got[0]!;
        expect(m.body).toEqual({ plain: true, items: [1, 2] });
        expect(m.attributes).toEqual({ color: 'red' });
        expect(m.attempt).toBe(1);
        expect(m.deadLetter).toBeUndefined();
        expect(typeof m.id).toBe('string');
        expect(m.id.length).toBeGreaterThan(0);
        expect(ctx.events.filter((e) => e.kind === 'acked')).toHaveLength(1);
      },
    );

    testCase(
      h,
      'what the bus sends is plain on the wire: the body as is, only the user attributes',
      async () => {
        const q = defineQueue(h.uniqueName('wire'));
        const bin = defineQueue(h.uniqueName('wireb'), { format: 'binary' });
        const ctx = await setup(h, [q, bin]);
        await ctx.bus.send(q, { a: 1, b: 'two' }, { attributes: { k: 'v' } });
        const bytes = Uint8Array.from([0, 1, 2, 250, 255]);
        await ctx.bus.send(bin, bytes);
        const [d] = await receiveN(ctx, ctx.openReceiver(ctx.sourceSpec(q)), 1);
        expect(textOf(d!.body)).toBe('{"a":1,"b":"two"}');
        expect(d!.attributes).toEqual({ k: 'v' });
        expect(Object.keys(d!.attributes).some((k) => k.startsWith(RESERVED_ATTRIBUTE_PREFIX))).toBe(false);
        expect(d!.deliveryCount === undefined || d!.deliveryCount === 1).toBe(true);
        await d!.ack();
        const [b] = await receiveN(ctx, ctx.openReceiver(ctx.sourceSpec(bin)), 1);
        expect(b!.body).toBeInstanceOf(Uint8Array);
        expect(Buffer.from(b!.body as Uint8Array).equals(Buffer.from(bytes))).toBe(true);
        expect(b!.attributes).toEqual({});
        await b!.ack();
      },
    );
  });
}
