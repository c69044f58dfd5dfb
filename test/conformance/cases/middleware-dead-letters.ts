/**
 * Retry, dead-letter and redrive cases: failures end on the dead-letter queue with the full envelope and the
 * original body and attributes; the dead-letter API reads, counts and redrives them back to their source.
 *
 * @example
 * ```ts
 * registerMiddlewareDeadLetterCases(h); // inside describe('middleware:')
 * ```
 * @module
 */
import { expect } from 'vitest';
import {
  CapabilityError,
  ConfigurationError,
  deadLetters,
  defineQueue,
  defineTopic,
  NonRetryableError,
  type ReceivedMessage,
  ValidationError,
} from '../../../core/index.js';
import type { ConformanceHarness } from '../harness.js';
import { settleOf } from '../harness.js';
import { expectError, testCase } from '../support/cases.js';
import { textOf } from '../support/collect.js';
import { type Order, orderSchema } from '../support/fixtures.js';
import { setup, type TestContext } from '../support/setup.js';
import { advance, drive, eventually } from '../support/time.js';
import { readDeadLetters, sendRaw, typed, waitSecondsOf } from './middleware-support.js';

/** Backoff of one second between attempts, no jitter: short and predictable on every adapter. */
const FAST_RETRY = { initialDelaySeconds: 1, maxDelaySeconds: 1, multiplier: 1, jitter: false } as const;

function deadLettered(ctx: TestContext): number {
  return ctx.events.filter((e) => e.kind === 'deadLettered').length;
}

async function waitDeadLettered(ctx: TestContext, n: number): Promise<void> {
  await eventually(ctx.h, () => expect(deadLettered(ctx)).toBeGreaterThanOrEqual(n), {
    what: 'dead-lettering',
  });
}

/**
 * Registers the retry, dead-letter and redrive cases.
 *
 * @example
 * ```ts
 * registerMiddlewareDeadLetterCases(h);
 * ```
 */
export function registerMiddlewareDeadLetterCases(h: ConformanceHarness): void {
  testCase(h, 'retries then dead-letters with the full envelope', async () => {
    const q = defineQueue(h.uniqueName('retry'), { maxAttempts: 3, retry: FAST_RETRY });
    const ctx = await setup(h, [q]);
    const body = { orderId: 'o-1', total: 12.5 };
    const receipt = await ctx.bus.send(q, body, { attributes: { tenant: 'acme', region: 'eu-west' } });
    const attempts: number[] = [];
    ctx.consume(
      q,
      async (m) => {
        attempts.push(m.attempt);
        throw new Error('payment service unavailable');
      },
      { name: 'charge-card' },
    );
    const dlq = deadLetters(ctx.bus, q, { clock: ctx.clock });
    const [dl] = await readDeadLetters(ctx, dlq, 1);
    expect(attempts).toEqual([1, 2, 3]);
    expect(dl?.body).toEqual(body);
    expect(textOf(dl!.rawBody)).toBe(JSON.stringify(body));
    expect(dl?.attributes).toEqual({ tenant: 'acme', region: 'eu-west' });
    expect(dl?.originalId).toBe(receipt.id);
    expect(dl?.redrives).toBe(0);
    const env = dl?.envelope;
    expect(env).toMatchObject({
      reason: 'max-attempts',
      attempts: 3,
      source: q.name,
      handler: 'charge-card',
      originalId: receipt.id,
      redrives: 0,
    });
    expect(env?.error).toMatchObject({ name: 'Error', message: 'payment service unavailable' });
    const first = Date.parse(env!.firstFailureAt);
    const last = Date.parse(env!.lastFailureAt);
    expect(Number.isFinite(first) && Number.isFinite(last)).toBe(true);
    expect(last - first).toBeGreaterThanOrEqual(1_000); // two backoffs of 1 s lie between them
    // The hook fires once the source delivery is settled, which may be just after the copy is readable.
    await eventually(h, () =>
      expect(ctx.events.filter((e) => e.kind === 'deadLettered').map((e) => e.reason)).toEqual([
        'max-attempts',
      ]),
    );
    await dl?.ack();
    await advance(h, settleOf(h));
    expect(attempts).toHaveLength(3); // gone from the source: no fourth attempt
    await dlq.close();
  });

  testCase(h, 'a non-retryable error goes straight to the dead-letter queue', async () => {
    const q = defineQueue(h.uniqueName('nonretry'), { maxAttempts: 5, retry: FAST_RETRY });
    const ctx = await setup(h, [q]);
    await ctx.bus.send(q, { orderId: 'o-2', total: 1 });
    const attempts: number[] = [];
    ctx.consume(q, async (m) => {
      attempts.push(m.attempt);
      throw new NonRetryableError('customer account closed');
    });
    const dlq = deadLetters(ctx.bus, q, { clock: ctx.clock });
    const [dl] = await readDeadLetters(ctx, dlq, 1);
    expect(attempts).toEqual([1]);
    expect(dl?.envelope).toMatchObject({ reason: 'non-retryable', attempts: 1 });
    expect(dl?.envelope?.error).toMatchObject({
      name: 'NonRetryableError',
      message: 'customer account closed',
    });
    await dl?.ack();
    await dlq.close();
  });

  testCase(h, 'a schema failure goes straight to the dead-letter queue', async () => {
    const q = defineQueue(h.uniqueName('schema'), { schema: orderSchema, maxAttempts: 5 });
    const ctx = await setup(h, [q]);
    const text = JSON.stringify({ orderId: 'o-3', total: -4 });
    await sendRaw(ctx, q, text, { tenant: 'acme' });
    const handled: ReceivedMessage<Order>[] = [];
    ctx.consume(q, async (m) => {
      handled.push(m);
    });
    const dlq = deadLetters(ctx.bus, q, { clock: ctx.clock });
    const [dl] = await readDeadLetters(ctx, dlq, 1);
    expect(handled).toHaveLength(0);
    expect(textOf(dl!.rawBody)).toBe(text);
    expect(dl?.attributes).toEqual({ tenant: 'acme' });
    expect(dl?.envelope).toMatchObject({ reason: 'validation', attempts: 1 });
    expect(dl?.envelope?.error?.name).toBe('ValidationError');
    expect(dl?.envelope?.error?.message).toContain('total');
    await dl?.ack();
    await dlq.close();
  });

  testCase(h, 'malformed JSON goes straight to the dead-letter queue, byte for byte', async () => {
    const q = defineQueue(h.uniqueName('badjson'), { maxAttempts: 5 });
    const ctx = await setup(h, [q]);
    const text = '{"orderId": "o-4", "total": ';
    await sendRaw(ctx, q, text);
    let calls = 0;
    ctx.consume(q, async () => {
      calls++;
    });
    const dlq = deadLetters(ctx.bus, q, { clock: ctx.clock });
    const [dl] = await readDeadLetters(ctx, dlq, 1);
    expect(calls).toBe(0);
    expect(textOf(dl!.rawBody)).toBe(text);
    expect(dl?.body).toBeUndefined(); // cannot be decoded; rawBody has it
    expect(dl?.envelope).toMatchObject({ reason: 'validation', attempts: 1 });
    expect(dl?.envelope?.error?.message).toContain('not valid JSON');
    await dl?.ack();
    await dlq.close();
  });

  testCase(h, 'redrive returns dead letters to their source, where they are handled', async () => {
    const q = defineQueue(h.uniqueName('redrive'), { maxAttempts: 2, retry: FAST_RETRY });
    const ctx = await setup(h, [q]);
    let failing = true;
    const handled: ReceivedMessage<{ n: number }>[] = [];
    ctx.consume(
      q,
      typed(async (m: ReceivedMessage<{ n: number }>) => {
        if (failing) throw new NonRetryableError('downstream refused');
        handled.push(m);
      }),
    );
    const receipts = [];
    for (const n of [1, 2, 3])
      receipts.push(await ctx.bus.send(q, { n }, { attributes: { tenant: `t${n}` } }));
    await waitDeadLettered(ctx, 3);
    const dlq = deadLetters(ctx.bus, q, { clock: ctx.clock });
    if (ctx.rawDriver.depth) await eventually(h, async () => expect(await dlq.count()).toBe(3));
    else expect(await dlq.count()).toBeUndefined();
    failing = false;
    const report = await drive(h, dlq.redrive({ waitSeconds: waitSecondsOf(ctx) }));
    expect(report).toMatchObject({ redriven: 3, skipped: 0, failed: 0 });
    expect(report.wouldRedrive).toBeUndefined();
    expect(report.items.map((i) => i.outcome)).toEqual(['redriven', 'redriven', 'redriven']);
    expect(report.items.map((i) => i.originalId).sort()).toEqual(receipts.map((r) => r.id).sort());
    await eventually(h, () => expect(handled).toHaveLength(3));
    await advance(h, settleOf(h));
    expect(handled).toHaveLength(3);
    const byN = new Map(handled.map((m) => [m.body.n, m]));
    for (const [i, n] of [1, 2, 3].entries()) {
      const m = byN.get(n);
      expect(m?.id).toBe(receipts[i]?.id); // the original id travels with the redriven copy
      expect(m?.attributes).toEqual({ tenant: `t${n}` }); // user attributes intact, Omnibus's own removed
      expect(m?.attempt).toBe(1); // a fresh set of attempts
      expect(m?.deadLetter).toBeUndefined();
    }
    expect(await drive(h, dlq.read({ max: 10, waitSeconds: waitSecondsOf(ctx) }))).toEqual([]);
    await dlq.close();
  });

  testCase(h, 'redrive dry run reports and leaves every dead letter in place', async () => {
    const q = defineQueue(h.uniqueName('dryrun'));
    const ctx = await setup(h, [q]);
    let calls = 0;
    ctx.consume(q, async () => {
      calls++;
      throw new NonRetryableError('no');
    });
    await ctx.bus.send(q, { n: 1 });
    await ctx.bus.send(q, { n: 2 });
    await waitDeadLettered(ctx, 2);
    const dlq = deadLetters(ctx.bus, q, { clock: ctx.clock });
    const report = await drive(h, dlq.redrive({ dryRun: true, waitSeconds: waitSecondsOf(ctx) }));
    expect(report).toMatchObject({ redriven: 0, wouldRedrive: 2, skipped: 0, failed: 0 });
    expect(report.items.map((i) => i.outcome)).toEqual(['would-redrive', 'would-redrive']);
    const still = await readDeadLetters(ctx, dlq, 2);
    expect(still.map((dl) => (dl.body as { n: number }).n).sort()).toEqual([1, 2]);
    await advance(h, settleOf(h));
    expect(calls).toBe(2); // nothing went back to the source
    for (const dl of still) await dl.ack();
    await dlq.close();
  });

  testCase(h, 'redrive with a filter and a max moves only what it selects', async () => {
    const q = defineQueue(h.uniqueName('filter'));
    const ctx = await setup(h, [q]);
    let failing = true;
    const handled: string[] = [];
    ctx.consume(
      q,
      typed(async (m: ReceivedMessage<{ id: string }>) => {
        if (failing) throw new NonRetryableError('no');
        handled.push(m.body.id);
      }),
    );
    for (const [id, kind] of [
      ['a1', 'a'],
      ['b1', 'b'],
      ['a2', 'a'],
      ['a3', 'a'],
    ] as const) {
      await ctx.bus.send(q, { id }, { attributes: { kind } });
    }
    await waitDeadLettered(ctx, 4);
    failing = false;
    const dlq = deadLetters(ctx.bus, q, { clock: ctx.clock });
    const report = await drive(
      h,
      dlq.redrive({ filter: (dl) => dl.attributes.kind === 'a', max: 2, waitSeconds: waitSecondsOf(ctx) }),
    );
    expect(report.redriven).toBe(2);
    expect(report.failed).toBe(0);
    // The b message is reported as filtered whenever it was seen before the max was reached.
    expect(report.items.filter((i) => i.outcome === 'filtered').length).toBe(report.skipped);
    expect(report.skipped).toBeLessThanOrEqual(1);
    await eventually(h, () => expect(handled).toHaveLength(2));
    expect(handled.every((id) => id.startsWith('a'))).toBe(true);
    const left = await readDeadLetters(ctx, dlq, 2);
    const leftIds = left.map((dl) => (dl.body as { id: string }).id).sort();
    expect(leftIds).toContain('b1');
    expect([...handled, ...leftIds].sort()).toEqual(['a1', 'a2', 'a3', 'b1']);
    for (const dl of left) await dl.ack();
    await dlq.close();
  });

  testCase(h, 'redrive loop guard refuses dead letters at the redrive limit and leaves them', async () => {
    const q = defineQueue(h.uniqueName('guard'));
    const ctx = await setup(h, [q]);
    let calls = 0;
    ctx.consume(q, async () => {
      calls++;
      throw new NonRetryableError('no');
    });
    await ctx.bus.send(q, { n: 1 });
    await waitDeadLettered(ctx, 1);
    const dlq = deadLetters(ctx.bus, q, { clock: ctx.clock, maxRedrives: 0 });
    const report = await drive(h, dlq.redrive({ waitSeconds: waitSecondsOf(ctx) }));
    expect(report).toMatchObject({ redriven: 0, skipped: 1, failed: 0 });
    expect(report.items.map((i) => i.outcome)).toEqual(['max-redrives']);
    const [dl] = await readDeadLetters(ctx, dlq, 1);
    expect(dl?.redrives).toBe(0);
    await advance(h, settleOf(h));
    expect(calls).toBe(1);
    await dl?.ack();
    await dlq.close();
  });

  testCase(h, 'redrive rate limit spaces the sends on the bus clock', async () => {
    const q = defineQueue(h.uniqueName('rate'));
    const ctx = await setup(h, [q]);
    let failing = true;
    const handled: number[] = [];
    ctx.consume(
      q,
      typed(async (m: ReceivedMessage<{ n: number }>) => {
        if (failing) throw new NonRetryableError('no');
        handled.push(m.body.n);
      }),
    );
    for (const n of [1, 2, 3]) await ctx.bus.send(q, { n });
    await waitDeadLettered(ctx, 3);
    failing = false;
    const dlq = deadLetters(ctx.bus, q, { clock: ctx.clock });
    const started = ctx.now();
    const report = await drive(h, dlq.redrive({ ratePerSecond: 2, waitSeconds: waitSecondsOf(ctx) }));
    expect(report.redriven).toBe(3);
    // Three sends at 2 per second: the third leaves at least 1 s after the first.
    expect(ctx.now() - started).toBeGreaterThanOrEqual(1_000);
    await eventually(h, () => expect(handled.sort()).toEqual([1, 2, 3]));
    await dlq.close();
  });

  testCase(
    h,
    'redrive to a subscription reaches that subscription only (or is refused without redeliver)',
    async () => {
      const topic = defineTopic(h.uniqueName('rdt'));
      const failingSub = topic.subscription('billing');
      const otherSub = topic.subscription('audit');
      const ctx = await setup(h, [topic]);
      let failing = true;
      const billed: string[] = [];
      const audited: string[] = [];
      ctx.consume(
        failingSub,
        typed(async (m: ReceivedMessage<{ id: string }>) => {
          if (failing) throw new NonRetryableError('no');
          billed.push(m.body.id);
        }),
      );
      ctx.consume(
        otherSub,
        typed(async (m: ReceivedMessage<{ id: string }>) => {
          audited.push(m.body.id);
        }),
      );
      await ctx.bus.publish(topic, { id: 'p-1' });
      await waitDeadLettered(ctx, 1);
      await eventually(h, () => expect(audited).toEqual(['p-1']));
      failing = false;
      const dlq = deadLetters(ctx.bus, failingSub, { clock: ctx.clock });
      if (!ctx.rawDriver.redeliver) {
        const error = await expectError(dlq.redrive({ waitSeconds: waitSecondsOf(ctx) }), CapabilityError);
        expect(error.provider).toBe(ctx.caps.provider);
        const [dl] = await readDeadLetters(ctx, dlq, 1); // nothing moved
        await dl?.ack();
        await dlq.close();
        return;
      }
      const report = await drive(h, dlq.redrive({ waitSeconds: waitSecondsOf(ctx) }));
      expect(report.redriven).toBe(1);
      await eventually(h, () => expect(billed).toEqual(['p-1']));
      await advance(h, settleOf(h));
      expect(audited).toEqual(['p-1']); // not fanned out again
      await dlq.close();
    },
  );

  testCase(h, 'dead-letter API rejects bad input before anything moves', async () => {
    const q = defineQueue(h.uniqueName('badopts'));
    const noDlq = defineQueue(h.uniqueName('nodlq'), { deadLetter: false });
    const ctx = await setup(h, [q, noDlq]);
    const config = await expectError(() => deadLetters(ctx.bus, noDlq), ConfigurationError);
    expect(config.message).toContain(noDlq.name);
    const dlq = deadLetters(ctx.bus, q, { clock: ctx.clock });
    const rate = await expectError(dlq.redrive({ ratePerSecond: 0 }), ValidationError);
    expect(rate.field).toBe('ratePerSecond');
    const max = await expectError(dlq.read({ max: 0 }), ValidationError);
    expect(max.field).toBe('max');
    expect(max.message).toContain('1 to 1000');
    await expectError(dlq.redrive({ max: 1.5 }), ValidationError);
    await expectError(dlq.redrive({ maxRedrives: -1 }), ValidationError);
    expect(ctx.sends).toHaveLength(0);
    await dlq.close();
  });
}
