/**
 * Idempotency cases: exactly one effect per message on top of at-least-once delivery — under injected duplicates,
 * concurrent deliveries of one message, a consumer killed mid-message, publisher retries with new ids, and a key
 * reused with another body.
 *
 * Duplicates come from the memory twin's fault switches when the driver has them (`driver.faults`), otherwise from
 * a second copy of the message on the wire carrying the same id, which is what a broker redelivery looks like to
 * the consumer on every adapter.
 *
 * @example
 * ```ts
 * registerMiddlewareIdempotencyCases(h); // inside describe('middleware:')
 * ```
 * @module
 */
import { expect } from 'vitest';
import {
  ConfigurationError,
  type DuplicateEvent,
  deadLetters,
  defineQueue,
  type IdempotencyOptions,
  idempotency,
  idempotencyStoreKey,
  type Middleware,
  memoryIdempotencyStore,
  payloadHashOf,
  type QueueDeclaration,
  type ReceivedMessage,
} from '../../../core/index.js';
import type { ConformanceHarness } from '../harness.js';
import { patienceOf, settleOf } from '../harness.js';
import { expectError, testCase } from '../support/cases.js';
import { receiveN } from '../support/collect.js';
import { setup, type TestContext } from '../support/setup.js';
import { advance, eventually } from '../support/time.js';
import { Effects, faultsOf, killable, readDeadLetters, sendCopy, typed } from './middleware-support.js';

const FAST_RETRY = { initialDelaySeconds: 1, maxDelaySeconds: 1, multiplier: 1, jitter: false } as const;

/** An idempotency middleware on a fresh memory store, on the bus clock, recording duplicates. */
function guard(
  ctx: TestContext,
  q: QueueDeclaration<any, any>,
  options: Partial<IdempotencyOptions> = {},
): { middleware: Middleware; duplicates: DuplicateEvent[]; store: IdempotencyOptions['store'] } {
  const store = options.store ?? memoryIdempotencyStore({ clock: ctx.clock });
  const duplicates: DuplicateEvent[] = [];
  const middleware = idempotency({
    clock: ctx.clock,
    inProgressSeconds: q.leaseSeconds,
    ...options,
    store,
    onDuplicate: (e) => duplicates.push(e),
  });
  return { middleware, duplicates, store };
}

/**
 * Registers the idempotency cases.
 *
 * @example
 * ```ts
 * registerMiddlewareIdempotencyCases(h);
 * ```
 */
export function registerMiddlewareIdempotencyCases(h: ConformanceHarness): void {
  testCase(h, 'idempotency: 10% injected duplicates give exactly one effect per message', async () => {
    const q = defineQueue(h.uniqueName('dups'), { leaseSeconds: h.minLeaseSeconds });
    const ctx = await setup(h, [q]);
    const total = 50;
    const faults = faultsOf(ctx.rawDriver);
    faults?.duplicateDeliveries(0.1);
    const receipts = await ctx.bus.sendBatch(
      q,
      Array.from({ length: total }, (_, n) => ({ body: { n } })),
    );
    if (!faults) {
      for (let n = 0; n < total; n += 10) await sendCopy(ctx, q, receipts[n]!.id, { n });
    }
    const { middleware, duplicates } = guard(ctx, q);
    const effects = new Effects();
    ctx.consume(
      q,
      typed(async (m: ReceivedMessage<{ n: number }>) => {
        effects.run(String(m.body.n));
      }),
      { concurrency: 4, middleware: [middleware] },
    );
    await eventually(h, () => expect(effects.keys).toBe(total), { what: 'every message handled' });
    await eventually(h, () => expect(duplicates.length).toBeGreaterThanOrEqual(faults ? 1 : total / 10), {
      what: 'duplicates skipped',
    });
    await advance(h, settleOf(h));
    faults?.clear();
    expect(effects.repeated()).toEqual([]);
    expect(effects.total).toBe(total);
    for (const d of duplicates) expect(d.source).toBe(q.name);
  });

  testCase(h, 'idempotency: two concurrent deliveries of one message run the handler once', async () => {
    const q = defineQueue(h.uniqueName('conc'), { leaseSeconds: h.minLeaseSeconds });
    const ctx = await setup(h, [q]);
    const body = { orderId: 'o-7', total: 3 };
    const receipt = await ctx.bus.send(q, body);
    await sendCopy(ctx, q, receipt.id, body);
    const { middleware, duplicates } = guard(ctx, q);
    let started = 0;
    ctx.consume(
      q,
      typed(async (m: ReceivedMessage<typeof body>) => {
        started++;
        expect(m.id).toBe(receipt.id);
        await ctx.sleep(2_000); // long enough for the second delivery to arrive meanwhile
      }),
      { concurrency: 2, middleware: [middleware] },
    );
    // The second delivery found the key in progress: both were in flight at once, and it was not run.
    await eventually(h, () => expect(duplicates.map((d) => d.status)).toContain('in-progress'), {
      what: 'the second delivery seen while the first runs',
      timeoutMs: patienceOf(h) + q.leaseSeconds * 1000,
    });
    // The released copy comes back after the claim's expiry at the latest, finds the key completed, and is acked.
    await eventually(h, () => expect(duplicates.map((d) => d.status)).toContain('completed'), {
      what: 'the second delivery acked as a duplicate',
      timeoutMs: patienceOf(h) + q.leaseSeconds * 1000,
    });
    await advance(h, settleOf(h));
    expect(started).toBe(1);
  });

  testCase(h, 'idempotency: a consumer killed mid-message is redelivered once its claim lapses', async () => {
    const lease = h.minLeaseSeconds;
    const claimSeconds = lease * 3; // the claim outlives the lease: the redelivery must wait for the claim
    const q = defineQueue(h.uniqueName('killed'), { leaseSeconds: lease, maxAttempts: 10 });
    const ctx = await setup(h, [q]);
    const store = memoryIdempotencyStore({ clock: ctx.clock });
    const body = { orderId: 'o-8', total: 8 };
    const receipt = await ctx.bus.send(q, body);
    const key = idempotencyStoreKey(q.name, receipt.id);
    const { middleware, duplicates } = guard(ctx, q, { store, inProgressSeconds: claimSeconds });
    const handled: { at: number; message: ReceivedMessage<typeof body> }[] = [];
    let claimLapsesAt: number;
    const faults = faultsOf(ctx.rawDriver);
    if (faults) {
      // The memory twin: a real consumer claims the key, then its process "dies" with the delivery in flight: the
      // broker orphans the delivery (crashInFlight) and the dead process's store calls (claim renewal) stop.
      const doomedStore = killable(store);
      let killHandler: (error: Error) => void = () => undefined;
      const doomed = ctx.consume(
        q,
        typed(async () => {
          await new Promise<void>((_, reject) => {
            killHandler = reject;
          });
        }),
        {
          middleware: [
            guard(ctx, q, { store: doomedStore.store, inProgressSeconds: claimSeconds }).middleware,
          ],
        },
      );
      await eventually(h, async () => expect((await store.get(key))?.status).toBe('in-progress'));
      await advance(h, lease * 1000); // the doomed handler runs a while: lease and claim are renewed meanwhile
      doomedStore.kill();
      expect(faults.crashInFlight(q.name)).toBe(1);
      void doomed.close(); // receives nothing more; resolves once the hung handler is let go below
      claimLapsesAt = (await store.get(key))!.expiresAt;
      ctx.consume(
        q,
        typed(async (m: ReceivedMessage<typeof body>) => {
          handled.push({ at: ctx.now(), message: m });
        }),
        { middleware: [middleware] },
      );
      await eventually(h, () => expect(handled).toHaveLength(1), {
        what: 'redelivery after the claim lapsed',
        timeoutMs: patienceOf(h) + claimSeconds * 1000,
      });
      killHandler(new Error('the killed process never finished'));
    } else {
      // Elsewhere: the killed consumer is a raw receiver that took the delivery and claimed the key, then vanished.
      const receiver = ctx.openReceiver(ctx.sourceSpec(q), { leaseSeconds: lease });
      const [delivery] = await receiveN(ctx, receiver, 1);
      claimLapsesAt = ctx.now() + claimSeconds * 1000;
      const claim = await store.acquire(key, {
        inProgressExpiresAt: claimLapsesAt,
        payloadHash: payloadHashOf(delivery!.body),
      });
      expect(claim.status).toBe('acquired');
      ctx.consume(
        q,
        typed(async (m: ReceivedMessage<typeof body>) => {
          handled.push({ at: ctx.now(), message: m });
        }),
        { middleware: [middleware] },
      );
      await eventually(h, () => expect(handled).toHaveLength(1), {
        what: 'redelivery after the claim lapsed',
        timeoutMs: patienceOf(h) + claimSeconds * 1000,
      });
    }
    expect(handled[0]?.message.id).toBe(receipt.id);
    expect(handled[0]?.message.body).toEqual(body);
    expect(handled[0]!.at).toBeGreaterThanOrEqual(claimLapsesAt); // not run while the claim held…
    // …but redelivered before it lapsed and released until then, rather than run twice or blocked for good.
    expect(duplicates.map((d) => d.status)).toContain('in-progress');
    await advance(h, settleOf(h));
    expect(handled).toHaveLength(1);
    expect((await store.get(key))?.status).toBe('completed');
  });

  testCase(h, 'idempotency: a duplicate gets the cached result and no second effect', async () => {
    const q = defineQueue(h.uniqueName('cached'), { leaseSeconds: h.minLeaseSeconds });
    const ctx = await setup(h, [q]);
    const { middleware, duplicates } = guard(ctx, q, { cacheResult: true });
    const results: unknown[] = [];
    const observe: Middleware = (next) => async (m) => {
      const result = await next(m);
      results.push(result);
      return result;
    };
    const effects = new Effects();
    ctx.consume(
      q,
      typed(async (m: ReceivedMessage<{ orderId: string }>) => {
        effects.run(m.body.orderId);
        return { receipt: `r-${m.body.orderId}`, lines: [1, 2] };
      }),
      { middleware: [observe, middleware] },
    );
    const receipt = await ctx.bus.send(q, { orderId: 'o-9' });
    await eventually(h, () => expect(results).toHaveLength(1));
    await sendCopy(ctx, q, receipt.id, { orderId: 'o-9' });
    await eventually(h, () => expect(results).toHaveLength(2));
    expect(results).toEqual([
      { receipt: 'r-o-9', lines: [1, 2] },
      { receipt: 'r-o-9', lines: [1, 2] },
    ]);
    expect(effects.count('o-9')).toBe(1);
    expect(duplicates).toEqual([
      {
        source: q.name,
        messageId: receipt.id,
        attempt: 1,
        key: idempotencyStoreKey(q.name, receipt.id),
        status: 'completed',
      },
    ]);
  });

  testCase(h, 'idempotency: publisher retries with new ids are caught by a key from the body', async () => {
    const q = defineQueue(h.uniqueName('bodykey'), { leaseSeconds: h.minLeaseSeconds });
    const ctx = await setup(h, [q]);
    const { middleware, duplicates } = guard(ctx, q, {
      key: (m: ReceivedMessage<any>) => (m.body as { orderId: string }).orderId,
    });
    const effects = new Effects();
    ctx.consume(
      q,
      typed(async (m: ReceivedMessage<{ orderId: string }>) => {
        effects.run(m.body.orderId);
      }),
      { middleware: [middleware] },
    );
    const first = await ctx.bus.send(q, { orderId: 'o-10', total: 5 });
    await eventually(h, () => expect(effects.count('o-10')).toBe(1));
    // Same order, re-serialized with another key order, sent again under a new id.
    const second = await ctx.bus.send(q, { total: 5, orderId: 'o-10' });
    expect(second.id).not.toBe(first.id);
    await eventually(h, () => expect(duplicates).toHaveLength(1));
    await advance(h, settleOf(h));
    expect(effects.count('o-10')).toBe(1);
    expect(duplicates[0]).toMatchObject({ messageId: second.id, key: idempotencyStoreKey(q.name, 'o-10') });
  });

  testCase(h, 'idempotency: a key reused with a different body is dead-lettered', async () => {
    const q = defineQueue(h.uniqueName('reused'), { leaseSeconds: h.minLeaseSeconds, maxAttempts: 5 });
    const ctx = await setup(h, [q]);
    const { middleware } = guard(ctx, q, {
      key: (m: ReceivedMessage<any>) => (m.body as { orderId: string }).orderId,
    });
    const effects = new Effects();
    ctx.consume(
      q,
      typed(async (m: ReceivedMessage<{ orderId: string; total: number }>) => {
        effects.run(`${m.body.orderId}/${m.body.total}`);
      }),
      { middleware: [middleware] },
    );
    await ctx.bus.send(q, { orderId: 'o-11', total: 1 });
    await eventually(h, () => expect(effects.count('o-11/1')).toBe(1));
    await ctx.bus.send(q, { orderId: 'o-11', total: 2 });
    const dlq = deadLetters(ctx.bus, q, { clock: ctx.clock });
    const [dl] = await readDeadLetters(ctx, dlq, 1);
    expect(dl?.body).toEqual({ orderId: 'o-11', total: 2 });
    expect(dl?.envelope).toMatchObject({ reason: 'non-retryable', attempts: 1 });
    expect(dl?.envelope?.error?.name).toBe('IdempotencyKeyReusedError');
    expect(dl?.envelope?.error?.message).toContain('different payload');
    expect(effects.total).toBe(1);
    await dl?.ack();
    await dlq.close();
  });

  testCase(
    h,
    'idempotency: a message without a usable key is dead-lettered; bad options are refused',
    async () => {
      const q = defineQueue(h.uniqueName('nokey'), { leaseSeconds: h.minLeaseSeconds, maxAttempts: 5 });
      const ctx = await setup(h, [q]);
      const store = memoryIdempotencyStore({ clock: ctx.clock });
      const ttl = await expectError(() => idempotency({ store, ttlSeconds: 0 }), ConfigurationError);
      expect(ttl.field).toBe('idempotency.ttlSeconds');
      expect(ttl.message).toContain('from 1 to');
      const claim = await expectError(
        () => idempotency({ store, inProgressSeconds: Number.NaN }),
        ConfigurationError,
      );
      expect(claim.field).toBe('idempotency.inProgressSeconds');
      const { middleware } = guard(ctx, q, {
        store,
        key: (m: ReceivedMessage<any>) => (m.body as { orderId?: string }).orderId as string,
      });
      let calls = 0;
      ctx.consume(
        q,
        typed(async () => {
          calls++;
        }),
        { middleware: [middleware] },
      );
      await ctx.bus.send(q, { total: 3 }); // no orderId
      const dlq = deadLetters(ctx.bus, q, { clock: ctx.clock });
      const [dl] = await readDeadLetters(ctx, dlq, 1);
      expect(calls).toBe(0);
      expect(dl?.envelope).toMatchObject({ reason: 'non-retryable', attempts: 1 });
      expect(dl?.envelope?.error?.name).toBe('IdempotencyKeyError');
      expect(dl?.envelope?.error?.message).toContain('idempotency.key is missing');
      await dl?.ack();
      await dlq.close();
    },
  );

  testCase(h, 'idempotency: a failed attempt frees the key so the retry runs', async () => {
    const q = defineQueue(h.uniqueName('retrykey'), {
      leaseSeconds: h.minLeaseSeconds,
      maxAttempts: 3,
      retry: FAST_RETRY,
    });
    const ctx = await setup(h, [q]);
    const { middleware, duplicates, store } = guard(ctx, q);
    const attempts: number[] = [];
    const effects = new Effects();
    ctx.consume(
      q,
      typed(async (m: ReceivedMessage<{ orderId: string }>) => {
        attempts.push(m.attempt);
        if (m.attempt === 1) throw new Error('transient');
        effects.run(m.body.orderId);
      }),
      { middleware: [middleware] },
    );
    const receipt = await ctx.bus.send(q, { orderId: 'o-12' });
    await eventually(h, () => expect(effects.count('o-12')).toBe(1));
    await advance(h, settleOf(h));
    expect(attempts).toEqual([1, 2]);
    expect(duplicates).toEqual([]);
    expect((await store.get(idempotencyStoreKey(q.name, receipt.id)))?.status).toBe('completed');
  });
}
