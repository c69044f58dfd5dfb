/**
 * Send/receive cases: bodies of every format arrive exactly as sent, with id, attempt, source and publish time.
 *
 * @example
 * ```ts
 * registerSendReceiveCases(harness); // inside the adapter's describe
 * ```
 * @module
 */
import { describe, expect } from 'vitest';
import { defineQueue, defineTopic } from '../../../core/index.js';
import type { ConformanceHarness } from '../harness.js';
import { settleOf } from '../harness.js';
import { testCase } from '../support/cases.js';
import { collect, textOf } from '../support/collect.js';
import { allBytes } from '../support/fixtures.js';
import { setup } from '../support/setup.js';

/**
 * Registers the send/receive cases.
 *
 * @example
 * ```ts
 * registerSendReceiveCases(h);
 * ```
 */
export function registerSendReceiveCases(h: ConformanceHarness): void {
  describe('send/receive:', () => {
    testCase(h, 'body round trip (json object)', async () => {
      const q = defineQueue(h.uniqueName('json'));
      const ctx = await setup(h, [q]);
      const body = {
        text: 'héllo ✓ 日本語 "quoted" \\ back',
        n: 42.5,
        tiny: -1e-7,
        flag: true,
        nil: null,
        list: [1, 'two', { three: 3 }],
        nested: { deep: { empty: {}, none: [] } },
      };
      const before = ctx.now();
      const receipt = await ctx.bus.send(q, body);
      expect(typeof receipt.id).toBe('string');
      expect(receipt.id.length).toBeGreaterThan(0);
      const got = await collect(ctx, q, 1, { settleMs: settleOf(h) });
      expect(got).toHaveLength(1);
      const m = got[0]!;
      expect(m.body).toEqual(body);
      expect(m.id).toBe(receipt.id);
      expect(m.attempt).toBe(1);
      expect(m.maxAttempts).toBe(q.maxAttempts);
      expect(m.source).toBe(q.name);
      expect(m.attributes).toEqual({});
      expect(m.orderingKey).toBeUndefined();
      expect(m.deadLetter).toBeUndefined();
      expect(textOf(m.rawBody)).toBe(JSON.stringify(body));
      // Publish time is the send time (within a second, for clock granularity and skew).
      expect(m.publishTime).toBeInstanceOf(Date);
      expect(m.publishTime.getTime()).toBeGreaterThanOrEqual(before - 1_000);
      expect(m.publishTime.getTime()).toBeLessThanOrEqual(ctx.now() + 1_000);
    });

    testCase(h, 'body round trip (json scalars and arrays)', async () => {
      const q = defineQueue(h.uniqueName('scalars'));
      const ctx = await setup(h, [q]);
      const bodies: unknown[] = ['just a string', 0, -12.75, true, false, null, [], [1, [2, [3]]], 'ünï ✓'];
      for (const body of bodies) await ctx.bus.send(q, body);
      const got = await collect(ctx, q, bodies.length, { settleMs: settleOf(h) });
      expect(got).toHaveLength(bodies.length);
      const key = (v: unknown) => JSON.stringify(v);
      expect(got.map((m) => key(m.body)).sort()).toEqual(bodies.map(key).sort());
      for (const m of got) expect(textOf(m.rawBody)).toBe(JSON.stringify(m.body));
    });

    testCase(h, 'body round trip (text format)', async () => {
      const q = defineQueue(h.uniqueName('text'), { format: 'text' });
      const ctx = await setup(h, [q]);
      const body = 'line one\nline two\ttabbed — ünïcödé ✓ 🚀 {"not": json} <xml attr="1"/> & done';
      await ctx.bus.send(q, body);
      const got = await collect(ctx, q, 1, { settleMs: settleOf(h) });
      expect(got).toHaveLength(1);
      expect(got[0]!.body).toBe(body);
      expect(textOf(got[0]!.rawBody)).toBe(body);
    });

    testCase(h, 'body round trip (binary format)', async () => {
      const q = defineQueue(h.uniqueName('bin'), { format: 'binary' });
      const ctx = await setup(h, [q]);
      // Every byte value, including NUL, invalid UTF-8 sequences and 0xFF.
      const body = Uint8Array.from([...allBytes(512), 0xc3, 0x28, 0xff, 0xfe, 0x00]);
      await ctx.bus.send(q, body);
      const got = await collect(ctx, q, 1, { settleMs: settleOf(h) });
      expect(got).toHaveLength(1);
      const received = got[0]!.body;
      expect(received).toBeInstanceOf(Uint8Array);
      expect(Buffer.from(received as Uint8Array).equals(Buffer.from(body))).toBe(true);
    });

    testCase(h, 'publish/subscribe round trip with attributes', async () => {
      const t = defineTopic(h.uniqueName('pub'));
      const sub = t.subscription('s1');
      const ctx = await setup(h, [t]);
      await ctx.bus.publish(t, { event: 'placed', orderId: 'o-1' }, { attributes: { kind: 'order-placed' } });
      const got = await collect(ctx, sub, 1, { settleMs: settleOf(h) });
      expect(got).toHaveLength(1);
      expect(got[0]!.body).toEqual({ event: 'placed', orderId: 'o-1' });
      expect(got[0]!.attributes).toEqual({ kind: 'order-placed' });
      expect(got[0]!.source).toBe(`${t.name}/${sub.name}`);
      expect(got[0]!.attempt).toBe(1);
    });
  });
}
