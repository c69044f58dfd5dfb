/**
 * Receiving helpers: consume through the bus until n messages arrive, record what a running consumer sees, and
 * pull from raw driver receivers — all driving time on a virtual clock.
 *
 * @example
 * ```ts
 * const [m] = await collect(ctx, orders, 1, { settleMs: settleOf(h) }); // exactly what arrived, settled
 * const rec = record(ctx, orders);                                      // keeps consuming in the background
 * const deliveries = await receiveN(ctx, receiver, 2);                  // raw driver deliveries, unsettled
 * ```
 * @module
 */
import {
  type Consumable,
  type ConsumerOptions,
  type Delivery,
  type Handler,
  type MessageBody,
  pathOf,
  type ReceivedMessage,
  type Receiver,
} from '../../../core/index.js';
import type { TestContext } from './setup.js';
import { advance, drive, eventually } from './time.js';

/**
 * A message as a recording consumer saw it, with the (bus clock) time its handler started.
 *
 * @example
 * ```ts
 * const [first]: Seen[] = await record(ctx, q).waitFor(1);
 * first.at; // bus-clock time the handler started
 * ```
 */
export interface Seen<T = unknown> {
  readonly message: ReceivedMessage<T>;
  readonly at: number;
}

/**
 * A consumer that keeps everything it sees.
 *
 * @example
 * ```ts
 * const rec: Recording = record(ctx, q);
 * await rec.waitFor(2);
 * rec.bodies(); // [{ … }, { … }]
 * ```
 */
export interface Recording<T = unknown> {
  readonly seen: Seen<T>[];
  /** Bodies seen so far, in order of arrival. */
  bodies(): T[];
  /** Waits until at least `n` messages have been seen; returns them. */
  waitFor(n: number, timeoutMs?: number): Promise<Seen<T>[]>;
  close(): Promise<void>;
}

/**
 * Options of {@link record} and {@link collect}.
 *
 * @example
 * ```ts
 * record(ctx, q, { handler: () => { throw new Error('fail') }, consumer: { concurrency: 2 } });
 * ```
 */
export interface RecordOptions<T> {
  /** Runs after recording, as the handler (throw to fail the delivery). */
  readonly handler?: ((message: ReceivedMessage<T>) => unknown) | undefined;
  readonly consumer?: ConsumerOptions | undefined;
}

/**
 * Starts a consumer that records every message its handler is called with (before `options.handler` runs).
 *
 * @example
 * ```ts
 * const rec = record(ctx, q, { handler: (m) => { if (m.attempt === 1) throw new Error('again'); } });
 * await rec.waitFor(2);
 * ```
 */
export function record<D extends Consumable<any>>(
  ctx: TestContext,
  source: D,
  options: RecordOptions<MessageBody<D>> = {},
): Recording<MessageBody<D>> {
  type T = MessageBody<D>;
  const seen: Seen<T>[] = [];
  const handler: Handler<T> = async (message) => {
    seen.push({ message, at: ctx.now() });
    return options.handler ? await options.handler(message) : undefined;
  };
  const consumer = ctx.consume(source, handler, options.consumer);
  return {
    seen,
    bodies: () => seen.map((s) => s.message.body),
    async waitFor(n, timeoutMs) {
      await eventually(
        ctx.h,
        () => {
          if (seen.length < n)
            throw new Error(`${seen.length} of ${n} messages arrived on ${pathOf(source)}`);
        },
        { timeoutMs },
      );
      return seen;
    },
    close: () => drive(ctx.h, consumer.close(), { what: 'consumer.close()' }),
  };
}

/**
 * Options of {@link collect}.
 *
 * @example
 * ```ts
 * await collect(ctx, q, 3, { settleMs: 2_000, timeoutMs: 30_000 });
 * ```
 */
export interface CollectOptions<T> extends RecordOptions<T> {
  /** Longest wait for the n-th message (default: the harness's patience). */
  readonly timeoutMs?: number | undefined;
  /** After n arrived, keep consuming this long so extra (duplicate, unfiltered …) messages show up. */
  readonly settleMs?: number | undefined;
}

/**
 * Consumes `source` through the bus until `n` messages arrived (and, with `settleMs`, a while longer), closes the
 * consumer, and returns every message its handler was called with — possibly more than `n`, which the case asserts.
 *
 * @example
 * ```ts
 * const got = await collect(ctx, q, 3, { settleMs: settleOf(h) });
 * expect(got).toHaveLength(3);
 * ```
 */
export async function collect<D extends Consumable<any>>(
  ctx: TestContext,
  source: D,
  n: number,
  options: CollectOptions<MessageBody<D>> = {},
): Promise<ReceivedMessage<MessageBody<D>>[]> {
  const rec = record(ctx, source, options);
  try {
    await rec.waitFor(n, options.timeoutMs);
    if (options.settleMs) await advance(ctx.h, options.settleMs);
  } finally {
    await rec.close();
  }
  return rec.seen.map((s) => s.message);
}

/**
 * One receive call on a raw receiver, time driven (virtual: an immediate poll; real: a 1 s long poll).
 *
 * @example
 * ```ts
 * const got = await pull(ctx, receiver, 10);
 * ```
 */
export function pull(ctx: TestContext, receiver: Receiver, max: number): Promise<Delivery[]> {
  return drive(ctx.h, receiver.receive(max, { waitSeconds: ctx.h.clock ? 0 : 1 }), {
    what: 'receiver.receive()',
  });
}

/**
 * Receives until `n` deliveries arrived on a raw receiver; returns them unsettled.
 *
 * @example
 * ```ts
 * const [d] = await receiveN(ctx, receiver, 1);
 * await d.ack();
 * ```
 */
export async function receiveN(
  ctx: TestContext,
  receiver: Receiver,
  n: number,
  options: { timeoutMs?: number | undefined } = {},
): Promise<Delivery[]> {
  const got: Delivery[] = [];
  await eventually(
    ctx.h,
    async () => {
      if (got.length < n) got.push(...(await pull(ctx, receiver, Math.min(10, n - got.length))));
      if (got.length < n) throw new Error(`${got.length} of ${n} deliveries arrived`);
    },
    { timeoutMs: options.timeoutMs },
  );
  return got;
}

/**
 * Asserts that nothing is delivered on a raw receiver for `ms`; anything that does arrive is returned in the
 * error message (and left unsettled).
 *
 * @example
 * ```ts
 * await expectNoDelivery(ctx, receiver, 1_000); // still leased: nothing comes back
 * ```
 */
export async function expectNoDelivery(ctx: TestContext, receiver: Receiver, ms: number): Promise<void> {
  const end = ctx.now() + ms;
  do {
    const got = await pull(ctx, receiver, 10);
    if (got.length > 0) {
      throw new Error(
        `expected no delivery for ${ms} ms, got ${got.length}: ${got.map((d) => `${d.id} ${textOf(d.body)}`).join(', ')}`,
      );
    }
    if (ctx.h.clock) await advance(ctx.h, 100);
  } while (ctx.now() < end);
}

/**
 * The text of an encoded body (UTF-8 for bytes).
 *
 * @example
 * ```ts
 * textOf(new TextEncoder().encode('hi')); // 'hi'
 * ```
 */
export function textOf(body: string | Uint8Array): string {
  return typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
}
