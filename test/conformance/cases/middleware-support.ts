/**
 * Helpers of the middleware cases: reading dead letters with time driven, injecting duplicates (the memory twin's
 * fault switches when the driver has them, otherwise a second copy of the message carrying the same id on the
 * wire, which every adapter supports), and counting effects.
 *
 * @example
 * ```ts
 * const dls = await readDeadLetters(ctx, deadLetters(ctx.bus, q, { clock: ctx.clock }), 1);
 * await sendCopy(ctx, q, receipt.id, body); // a duplicate delivery of `receipt.id`
 * ```
 * @module
 */
import {
  type Attributes,
  type DeadLetter,
  type DeadLetterQueue,
  type Driver,
  encodeMeta,
  type Handler,
  type IdempotencyStore,
  META_ATTRIBUTE,
  type QueueDeclaration,
  type ReceivedMessage,
  specOf,
} from '../../../core/index.js';
import type { TestContext } from '../support/setup.js';
import { drive, eventually } from '../support/time.js';

/** The fault switches of the memory twin (`driver.faults`), when the driver under test has them. */
export interface FaultSwitches {
  duplicateDeliveries(rate: number): void;
  crashInFlight(path?: string): number;
  clear(): void;
}

/**
 * The driver's fault switches, or undefined when it has none (every adapter but the memory twin).
 *
 * @example
 * ```ts
 * faultsOf(ctx.rawDriver)?.duplicateDeliveries(0.1);
 * ```
 */
export function faultsOf(driver: Driver): FaultSwitches | undefined {
  const faults = (driver as { faults?: Partial<FaultSwitches> }).faults;
  return faults &&
    typeof faults.duplicateDeliveries === 'function' &&
    typeof faults.crashInFlight === 'function'
    ? (faults as FaultSwitches)
    : undefined;
}

/** Seconds each dead-letter receive waits: immediate on a virtual clock, a short long-poll in real time. */
export function waitSecondsOf(ctx: TestContext): number {
  return ctx.h.clock ? 0 : 1;
}

/**
 * Reads until `n` dead letters arrived (they stay leased to the caller); fails after the harness's patience.
 *
 * @example
 * ```ts
 * const [dl] = await readDeadLetters(ctx, dlq, 1);
 * ```
 */
export async function readDeadLetters<T>(
  ctx: TestContext,
  dlq: DeadLetterQueue<T>,
  n: number,
): Promise<DeadLetter<T>[]> {
  const got: DeadLetter<T>[] = [];
  await eventually(
    ctx.h,
    async () => {
      if (got.length < n) {
        got.push(...(await drive(ctx.h, dlq.read({ max: n - got.length, waitSeconds: waitSecondsOf(ctx) }))));
      }
      if (got.length < n) throw new Error(`${got.length} of ${n} dead letters arrived on ${dlq.name}`);
    },
    { what: `reading ${dlq.name}` },
  );
  return got;
}

/**
 * Sends a second copy of a message already sent to queue `q`, carrying the same logical id (`omnibus_meta` id), as
 * a broker redelivery or a publisher retry with the same id would: the consumer sees `message.id === id`.
 *
 * @example
 * ```ts
 * const receipt = await ctx.bus.send(q, body);
 * await sendCopy(ctx, q, receipt.id, body);
 * ```
 */
export async function sendCopy(
  ctx: TestContext,
  q: QueueDeclaration<any, any>,
  id: string,
  body: unknown,
  attributes: Attributes = {},
): Promise<void> {
  const [outcome] = await ctx.rawDriver.send(specOf(q, ctx.caps), [
    {
      body: JSON.stringify(body),
      attributes: { ...attributes, [META_ATTRIBUTE]: encodeMeta({ originalId: id }) },
    },
  ]);
  if (!outcome?.ok) throw outcome?.error ?? new Error('sending the copy returned no outcome');
}

/**
 * Sends an encoded body straight through the driver (no bus-side validation), e.g. malformed JSON.
 *
 * @example
 * ```ts
 * await sendRaw(ctx, q, '{"orderId":');
 * ```
 */
export async function sendRaw(
  ctx: TestContext,
  q: QueueDeclaration<any, any>,
  body: string,
  attributes: Attributes = {},
): Promise<void> {
  const [outcome] = await ctx.rawDriver.send(specOf(q, ctx.caps), [{ body, attributes }]);
  if (!outcome?.ok) throw outcome?.error ?? new Error('raw send returned no outcome');
}

/**
 * Counts effects per key: `run(key)` is what a handler's side effect would do.
 *
 * @example
 * ```ts
 * const effects = new Effects(); effects.run('o-1'); effects.count('o-1'); // 1
 * ```
 */
export class Effects {
  readonly #counts = new Map<string, number>();
  run(key: string): void {
    this.#counts.set(key, (this.#counts.get(key) ?? 0) + 1);
  }
  count(key: string): number {
    return this.#counts.get(key) ?? 0;
  }
  get total(): number {
    let sum = 0;
    for (const n of this.#counts.values()) sum += n;
    return sum;
  }
  /** Keys run more than once. */
  repeated(): string[] {
    return [...this.#counts].filter(([, n]) => n > 1).map(([k]) => k);
  }
  get keys(): number {
    return this.#counts.size;
  }
}

/**
 * Types a handler's body for a schema-less declaration (whose handlers receive `unknown` bodies).
 *
 * @example
 * ```ts
 * ctx.consume(q, typed(async (m: ReceivedMessage<{ n: number }>) => seen.push(m.body.n)));
 * ```
 */
export function typed<T>(handler: (message: ReceivedMessage<T>) => unknown): Handler<any> {
  return handler as Handler<any>;
}

/**
 * A view of a store whose calls fail once `kill()` is called: the store as a killed process sees it (its claim
 * renewals, completes and releases never arrive).
 *
 * @example
 * ```ts
 * const doomed = killable(store); doomed.kill(); await doomed.store.extend(k, t, e); // rejects
 * ```
 */
export function killable(store: IdempotencyStore): { store: IdempotencyStore; kill(): void } {
  let dead = false;
  const gate = <A extends unknown[], R>(fn: (...args: A) => Promise<R>) => {
    return (...args: A): Promise<R> =>
      dead ? Promise.reject(new Error('the process was killed')) : fn(...args);
  };
  return {
    store: {
      acquire: gate((k, o) => store.acquire(k, o)),
      complete: gate((k, t, o) => store.complete(k, t, o)),
      extend: gate((k, t, e) => store.extend(k, t, e)),
      release: gate((k, t) => store.release(k, t)),
      get: gate((k) => store.get(k)),
    },
    kill: () => {
      dead = true;
    },
  };
}
