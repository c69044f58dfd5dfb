/**
 * Attribute cases: string, number and binary values round trip (types kept where the adapter says so); the user's
 * budget (the provider's maximum minus Omnibus's reserved slot) is usable whole; anything else is refused with a
 * typed error before anything is sent.
 *
 * @example
 * ```ts
 * registerAttributeCases(harness);
 * ```
 * @module
 */
import { describe, expect } from 'vitest';
import {
  defineQueue,
  LimitError,
  OmnibusError,
  RESERVED_ATTRIBUTE_SLOTS,
  ValidationError,
} from '../../../core/index.js';
import type { ConformanceHarness } from '../harness.js';
import { settleOf } from '../harness.js';
import { expectError, testCase } from '../support/cases.js';
import { collect } from '../support/collect.js';
import { attributesOf, expectedNumber } from '../support/fixtures.js';
import { setup } from '../support/setup.js';

/**
 * Registers the attribute cases.
 *
 * @example
 * ```ts
 * registerAttributeCases(h);
 * ```
 */
export function registerAttributeCases(h: ConformanceHarness): void {
  describe('attributes:', () => {
    testCase(h, 'string attributes round trip', async () => {
      const q = defineQueue(h.uniqueName('sattr'));
      const ctx = await setup(h, [q]);
      const attributes = {
        region: 'eu-west-1',
        'with.dot': 'dotted',
        with_underscore: 'ünïcödé ✓ and spaces',
        long: 'x'.repeat(200),
        digits: '007',
      };
      await ctx.bus.send(q, { n: 1 }, { attributes });
      const got = await collect(ctx, q, 1, { settleMs: settleOf(h) });
      expect(got).toHaveLength(1);
      expect(got[0]!.attributes).toEqual(attributes);
    });

    testCase(h, `number attributes round trip (as ${h.features.numberAttributes})`, async () => {
      const q = defineQueue(h.uniqueName('nattr'));
      const ctx = await setup(h, [q]);
      const numbers = { int: 42, negative: -7, fraction: 3.25, big: 1234567890123, zero: 0 };
      await ctx.bus.send(q, { n: 1 }, { attributes: numbers });
      const got = await collect(ctx, q, 1, { settleMs: settleOf(h) });
      expect(got).toHaveLength(1);
      const expected = Object.fromEntries(
        Object.entries(numbers).map(([k, v]) => [k, expectedNumber(v, h.features.numberAttributes)]),
      );
      expect(got[0]!.attributes).toEqual(expected);
    });

    testCase(h, `binary attributes (${h.features.binaryAttributes})`, async () => {
      const q = defineQueue(h.uniqueName('battr'));
      const ctx = await setup(h, [q]);
      const sig = Uint8Array.from([0, 1, 2, 127, 128, 254, 255]);
      const mode = h.features.binaryAttributes;
      if (mode === 'refused') {
        const err = await expectError(ctx.bus.send(q, { n: 1 }, { attributes: { sig } }), OmnibusError);
        expect(err.message).toContain('sig');
        await ctx.bus.send(q, { marker: true });
        const got = await collect(ctx, q, 1, { settleMs: settleOf(h) });
        expect(got.map((m) => m.body)).toEqual([{ marker: true }]);
        return;
      }
      await ctx.bus.send(q, { n: 1 }, { attributes: { sig, text: 'kept' } });
      const got = await collect(ctx, q, 1, { settleMs: settleOf(h) });
      expect(got).toHaveLength(1);
      const value = got[0]!.attributes.sig;
      if (mode === 'bytes') {
        expect(value).toBeInstanceOf(Uint8Array);
        expect(Buffer.from(value as Uint8Array).equals(Buffer.from(sig))).toBe(true);
      } else {
        expect(value).toBe(Buffer.from(sig).toString('base64'));
      }
      expect(got[0]!.attributes.text).toBe('kept');
    });

    testCase(h, 'attributes up to the user budget (max − reserved slot) arrive whole', async () => {
      const q = defineQueue(h.uniqueName('budget'));
      const ctx = await setup(h, [q]);
      const budget = ctx.caps.limits.maxAttributes - RESERVED_ATTRIBUTE_SLOTS;
      expect(budget).toBeGreaterThanOrEqual(1);
      const attributes = attributesOf(budget);
      await ctx.bus.send(q, { full: true }, { attributes });
      const got = await collect(ctx, q, 1, { settleMs: settleOf(h) });
      expect(got).toHaveLength(1);
      expect(got[0]!.attributes).toEqual(attributes);
    });

    testCase(
      h,
      'one attribute over the user budget is refused with LimitError naming the limit',
      async () => {
        const q = defineQueue(h.uniqueName('over'));
        const ctx = await setup(h, [q]);
        const budget = ctx.caps.limits.maxAttributes - RESERVED_ATTRIBUTE_SLOTS;
        const err = await expectError(
          ctx.bus.send(q, { over: true }, { attributes: attributesOf(budget + 1) }),
          LimitError,
        );
        expect(err.field).toBe('attributes');
        expect(err.limit).toBe(budget);
        expect(err.actual).toBe(budget + 1);
        expect(err.message).toContain(String(budget));
        expect(ctx.sends).toHaveLength(0);
        await ctx.bus.send(q, { marker: true });
        const got = await collect(ctx, q, 1, { settleMs: settleOf(h) });
        expect(got.map((m) => m.body)).toEqual([{ marker: true }]);
      },
    );

    testCase(h, 'reserved attribute prefixes are refused with ValidationError', async () => {
      const q = defineQueue(h.uniqueName('resv'));
      const ctx = await setup(h, [q]);
      const err = await expectError(
        ctx.bus.send(q, { n: 1 }, { attributes: { omnibus_meta: 'a=9', fine: 'ok' } }),
        ValidationError,
      );
      expect(err.field).toBe('attributes.omnibus_meta');
      for (const prefix of ctx.caps.limits.reservedAttributePrefixes) {
        const name = `${prefix}custom`;
        const e = await expectError(
          ctx.bus.send(q, { n: 2 }, { attributes: { [name]: 'x' } }),
          ValidationError,
        );
        expect(e.field).toBe(`attributes.${name}`);
      }
      expect(ctx.sends).toHaveLength(0);
    });

    testCase(h, 'illegal attribute names are refused with ValidationError', async () => {
      const q = defineQueue(h.uniqueName('names'));
      const ctx = await setup(h, [q]);
      const { attributeNamePattern, maxAttributeNameBytes } = ctx.caps.limits;
      const illegal = ['has space', 'semi;colon', 'slash/name', 'é-accent', ''].filter(
        (n) => !attributeNamePattern.test(n),
      );
      expect(illegal.length).toBeGreaterThan(0);
      for (const name of illegal) {
        const err = await expectError(
          ctx.bus.send(q, { n: 1 }, { attributes: { [name]: 'x' } }),
          ValidationError,
        );
        expect(err.field).toBe(`attributes.${name}`);
      }
      if (Number.isFinite(maxAttributeNameBytes)) {
        const long = 'n'.repeat(maxAttributeNameBytes + 1);
        const err = await expectError(ctx.bus.send(q, { n: 1 }, { attributes: { [long]: 'x' } }), LimitError);
        expect(err.limit).toBe(maxAttributeNameBytes);
      }
      expect(ctx.sends).toHaveLength(0);
    });

    testCase(h, 'bad attribute types are refused with ValidationError, nothing sent', async () => {
      const q = defineQueue(h.uniqueName('types'));
      const ctx = await setup(h, [q]);
      const bad: unknown[] = [null, true, { nested: 1 }, ['a'], Number.NaN, Number.POSITIVE_INFINITY, 10n];
      for (const value of bad) {
        const attributes = { k: value } as unknown as Record<string, string>;
        const err = await expectError(ctx.bus.send(q, { n: 1 }, { attributes }), ValidationError);
        expect(err.field).toBe('attributes.k');
      }
      expect(ctx.sends).toHaveLength(0);
      await ctx.bus.send(q, { marker: true });
      const got = await collect(ctx, q, 1, { settleMs: settleOf(h) });
      expect(got.map((m) => m.body)).toEqual([{ marker: true }]);
    });

    testCase(h, 'an attribute value over the size limit is refused with LimitError', async () => {
      const q = defineQueue(h.uniqueName('aval'));
      const ctx = await setup(h, [q]);
      const l = ctx.caps.limits;
      if (Number.isFinite(l.maxAttributeValueBytes)) {
        const value = 'v'.repeat(l.maxAttributeValueBytes + 1);
        const err = await expectError(ctx.bus.send(q, { n: 1 }, { attributes: { big: value } }), LimitError);
        expect(err.field).toBe('attributes.big');
        expect(err.limit).toBe(l.maxAttributeValueBytes);
        // At the limit is fine (when the message as a whole fits; otherwise the message size is the tighter limit).
        const body = { n: 2 };
        const whole =
          JSON.stringify(body).length + (l.attributesCountInSize ? 3 + l.maxAttributeValueBytes : 0);
        if (whole <= l.maxMessageBytes) {
          await ctx.bus.send(q, body, { attributes: { big: 'v'.repeat(l.maxAttributeValueBytes) } });
          const got = await collect(ctx, q, 1, { settleMs: settleOf(h) });
          expect(got.map((m) => m.body)).toEqual([body]);
          expect((got[0]!.attributes.big as string).length).toBe(l.maxAttributeValueBytes);
        }
      } else {
        expect(l.attributesCountInSize).toBe(true); // otherwise nothing would bound an attribute's size
        const value = 'v'.repeat(l.maxMessageBytes);
        const err = await expectError(ctx.bus.send(q, { n: 1 }, { attributes: { big: value } }), LimitError);
        expect(err.limit).toBe(l.maxMessageBytes);
      }
      expect(ctx.sends.filter((s) => s.bytes > l.maxMessageBytes)).toHaveLength(0);
    });
  });
}
