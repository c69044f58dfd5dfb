/**
 * The idempotency store conformance suite: every {@link IdempotencyStore} (memory, Redis, DynamoDB, Firestore,
 * Azure Table) passes these cases. Time is a manual clock the suite advances, so expiry is tested without sleeping;
 * a store must read time only from the clock it is given.
 *
 * @example
 * ```ts
 * runStoreConformance('redis', ({ clock }) => redisIdempotencyStore({ url, clock, prefix: uniqueName('t') }));
 * ```
 * @module
 */
import { randomUUID } from 'node:crypto';
import { afterEach, expect, it } from 'vitest';
import type { AcquireOutcome, Clock, IdempotencyStore, Timer } from '../../core/index.js';

/** What a store factory is given. */
export interface StoreContext {
  /** The clock the store must use for every expiry decision. */
  readonly clock: Clock;
}

/**
 * Makes a store client. Called more than once per case with the same context: every call must reach the same data
 * (two clients of one database, e.g. two Redis connections); an in-process store returns the same instance.
 */
export type MakeStore = (context: StoreContext) => IdempotencyStore | Promise<IdempotencyStore>;

/** Options of {@link runStoreConformance}. */
export interface StoreConformanceOptions {
  /** Size of the large-result case, in characters (default 100,000; stores with smaller items may lower it). */
  readonly largeResultChars?: number;
  /** Rounds of each race case (default 20). */
  readonly raceRounds?: number;
  /** Concurrent `acquire` calls per client in each race round (default 4, so 8 racers on two clients). */
  readonly racersPerClient?: number;
  /** Per-case timeout in ms for slow backends (default: the runner's). */
  readonly testTimeoutMs?: number;
}

/**
 * A clock that moves only when told to.
 *
 * @example
 * ```ts
 * const clock = new ManualClock(); clock.advance(30_000);
 * ```
 */
export class ManualClock implements Clock {
  private time: number;
  private readonly timers = new Set<{ at: number; fn: () => void }>();
  constructor(start = Date.now()) {
    this.time = start;
  }
  now(): number {
    return this.time;
  }
  setTimer(fn: () => void, ms: number): Timer {
    const timer = { at: this.time + Math.max(0, ms), fn };
    this.timers.add(timer);
    return { cancel: () => this.timers.delete(timer) };
  }
  /** Moves time forward and fires the timers that became due. */
  advance(ms: number): void {
    this.time += ms;
    for (const timer of [...this.timers]) {
      if (timer.at <= this.time) {
        this.timers.delete(timer);
        timer.fn();
      }
    }
  }
}

/**
 * Races `acquire` on one key from every store at once (`perStore` calls each) and returns every outcome.
 *
 * @example
 * ```ts
 * const outcomes = await raceAcquire([storeA, storeB], 'k', clock.now() + 30_000);
 * outcomes.filter((o) => o.status === 'acquired').length; // 1 on a correct store
 * ```
 */
export async function raceAcquire(
  stores: readonly IdempotencyStore[],
  key: string,
  inProgressExpiresAt: number,
  perStore = 4,
): Promise<AcquireOutcome[]> {
  const calls: Promise<AcquireOutcome>[] = [];
  for (let i = 0; i < perStore; i++) {
    for (const store of stores)
      calls.push(store.acquire(key, { inProgressExpiresAt, payloadHash: 'sha256:race' }));
  }
  return Promise.all(calls);
}

const IN_PROGRESS_MS = 30_000;
const TTL_MS = 3_600_000;

function acquiredToken(outcome: AcquireOutcome): string {
  if (outcome.status !== 'acquired') throw new Error(`expected acquired, got ${outcome.status}`);
  return outcome.token;
}

/**
 * Registers the store cases, named `store <name>: …`.
 *
 * @example
 * ```ts
 * runStoreConformance('memory', ({ clock }) => memoryIdempotencyStore({ clock }));
 * ```
 */
export function runStoreConformance(
  name: string,
  makeStore: MakeStore,
  options: StoreConformanceOptions = {},
): void {
  const rounds = options.raceRounds ?? 20;
  const largeChars = options.largeResultChars ?? 100_000;
  const racers = options.racersPerClient ?? 4;
  const opened: IdempotencyStore[] = [];

  afterEach(async () => {
    await Promise.allSettled(opened.splice(0).map((s) => s.close?.()));
  });

  const setup = async (count = 1) => {
    const clock = new ManualClock();
    const stores: IdempotencyStore[] = [];
    for (let i = 0; i < count; i++) {
      const store = await makeStore({ clock });
      opened.push(store);
      stores.push(store);
    }
    const key = `k-${randomUUID()}`;
    return { clock, stores, store: stores[0] as IdempotencyStore, key };
  };

  const test = (title: string, fn: () => Promise<void>) =>
    it(`store ${name}: ${title}`, fn, options.testTimeoutMs);

  test('acquires a fresh key and records it in progress', async () => {
    const { clock, store, key } = await setup();
    const expiresAt = clock.now() + IN_PROGRESS_MS;
    const outcome = await store.acquire(key, { inProgressExpiresAt: expiresAt, payloadHash: 'sha256:a' });
    expect(outcome.status).toBe('acquired');
    expect(acquiredToken(outcome)).toMatch(/.{8,}/);
    expect(await store.get(key)).toEqual({
      status: 'in-progress',
      expiresAt,
      payloadHash: 'sha256:a',
      result: undefined,
    });
  });

  test('a second acquire sees the key in progress, with its expiry and hash', async () => {
    const { clock, store, key } = await setup();
    const expiresAt = clock.now() + IN_PROGRESS_MS;
    acquiredToken(await store.acquire(key, { inProgressExpiresAt: expiresAt, payloadHash: 'sha256:a' }));
    clock.advance(1_000);
    const second = await store.acquire(key, {
      inProgressExpiresAt: clock.now() + IN_PROGRESS_MS,
      payloadHash: 'sha256:a',
    });
    expect(second).toEqual({ status: 'in-progress', expiresAt, payloadHash: 'sha256:a' });
  });

  test('complete then acquire sees completed with the cached result', async () => {
    const { clock, store, key } = await setup();
    const token = acquiredToken(
      await store.acquire(key, {
        inProgressExpiresAt: clock.now() + IN_PROGRESS_MS,
        payloadHash: 'sha256:a',
      }),
    );
    const expiresAt = clock.now() + TTL_MS;
    expect(await store.complete(key, token, { result: '{"charged":12}', expiresAt })).toBe(true);
    const again = await store.acquire(key, {
      inProgressExpiresAt: clock.now() + IN_PROGRESS_MS,
      payloadHash: 'sha256:a',
    });
    expect(again).toEqual({
      status: 'completed',
      expiresAt,
      result: '{"charged":12}',
      payloadHash: 'sha256:a',
    });
    expect(await store.get(key)).toEqual({
      status: 'completed',
      expiresAt,
      payloadHash: 'sha256:a',
      result: '{"charged":12}',
    });
  });

  test('completes without a result', async () => {
    const { clock, store, key } = await setup();
    const token = acquiredToken(
      await store.acquire(key, { inProgressExpiresAt: clock.now() + IN_PROGRESS_MS }),
    );
    expect(await store.complete(key, token, { expiresAt: clock.now() + TTL_MS })).toBe(true);
    const again = await store.acquire(key, { inProgressExpiresAt: clock.now() + IN_PROGRESS_MS });
    expect(again.status).toBe('completed');
    expect(again.status === 'completed' && again.result).toBeUndefined();
    expect(again.status === 'completed' && again.payloadHash).toBeUndefined();
  });

  test('release lets the next acquire run', async () => {
    const { clock, store, key } = await setup();
    const token = acquiredToken(
      await store.acquire(key, { inProgressExpiresAt: clock.now() + IN_PROGRESS_MS }),
    );
    expect(await store.release(key, token)).toBe(true);
    expect(await store.get(key)).toBeUndefined();
    const next = await store.acquire(key, { inProgressExpiresAt: clock.now() + IN_PROGRESS_MS });
    expect(acquiredToken(next)).not.toBe(token);
  });

  test('an expired in-progress record is taken over, and not before its expiry', async () => {
    const { clock, store, key } = await setup();
    const first = acquiredToken(
      await store.acquire(key, { inProgressExpiresAt: clock.now() + IN_PROGRESS_MS }),
    );
    clock.advance(IN_PROGRESS_MS - 1);
    expect((await store.acquire(key, { inProgressExpiresAt: clock.now() + IN_PROGRESS_MS })).status).toBe(
      'in-progress',
    );
    clock.advance(1);
    const takeover = await store.acquire(key, { inProgressExpiresAt: clock.now() + IN_PROGRESS_MS });
    expect(acquiredToken(takeover)).not.toBe(first);
    expect((await store.get(key))?.expiresAt).toBe(clock.now() + IN_PROGRESS_MS);
  });

  test('a completed record expires and the key runs again, and not before', async () => {
    const { clock, store, key } = await setup();
    const token = acquiredToken(
      await store.acquire(key, { inProgressExpiresAt: clock.now() + IN_PROGRESS_MS }),
    );
    await store.complete(key, token, { result: '1', expiresAt: clock.now() + TTL_MS });
    clock.advance(TTL_MS - 1);
    expect((await store.acquire(key, { inProgressExpiresAt: clock.now() + IN_PROGRESS_MS })).status).toBe(
      'completed',
    );
    clock.advance(1);
    expect(await store.get(key)).toBeUndefined();
    expect((await store.acquire(key, { inProgressExpiresAt: clock.now() + IN_PROGRESS_MS })).status).toBe(
      'acquired',
    );
  });

  test('returns the stored payload hash so a reused key with another body is detected', async () => {
    const { clock, store, key } = await setup();
    const token = acquiredToken(
      await store.acquire(key, {
        inProgressExpiresAt: clock.now() + IN_PROGRESS_MS,
        payloadHash: 'sha256:first',
      }),
    );
    const during = await store.acquire(key, {
      inProgressExpiresAt: clock.now() + IN_PROGRESS_MS,
      payloadHash: 'sha256:other',
    });
    expect(during.status === 'in-progress' && during.payloadHash).toBe('sha256:first');
    await store.complete(key, token, { expiresAt: clock.now() + TTL_MS });
    const after = await store.acquire(key, {
      inProgressExpiresAt: clock.now() + IN_PROGRESS_MS,
      payloadHash: 'sha256:other',
    });
    expect(after.status === 'completed' && after.payloadHash).toBe('sha256:first');
  });

  test(`two clients acquiring one key at once: exactly one winner (${rounds} rounds)`, async () => {
    const { clock, stores } = await setup(2);
    for (let round = 0; round < rounds; round++) {
      const key = `race-${round}-${randomUUID()}`;
      const outcomes = await raceAcquire(stores, key, clock.now() + IN_PROGRESS_MS, racers);
      expect(outcomes.filter((o) => o.status === 'acquired')).toHaveLength(1);
      expect(outcomes.filter((o) => o.status === 'in-progress')).toHaveLength(outcomes.length - 1);
    }
  });

  test(`two clients taking over one expired record at once: exactly one winner (${rounds} rounds)`, async () => {
    const { clock, stores } = await setup(2);
    const [a] = stores as [IdempotencyStore];
    for (let round = 0; round < rounds; round++) {
      const key = `takeover-${round}-${randomUUID()}`;
      acquiredToken(await a.acquire(key, { inProgressExpiresAt: clock.now() + IN_PROGRESS_MS }));
      clock.advance(IN_PROGRESS_MS);
      const outcomes = await raceAcquire(stores, key, clock.now() + IN_PROGRESS_MS, racers);
      expect(outcomes.filter((o) => o.status === 'acquired')).toHaveLength(1);
    }
  });

  test('keys are isolated', async () => {
    const { clock, store, key } = await setup();
    const other = `${key}-other`;
    const a = acquiredToken(await store.acquire(key, { inProgressExpiresAt: clock.now() + IN_PROGRESS_MS }));
    const b = acquiredToken(
      await store.acquire(other, { inProgressExpiresAt: clock.now() + IN_PROGRESS_MS }),
    );
    expect(await store.complete(key, a, { result: '"a"', expiresAt: clock.now() + TTL_MS })).toBe(true);
    expect((await store.get(other))?.status).toBe('in-progress');
    expect(await store.complete(key, b, { expiresAt: clock.now() + TTL_MS })).toBe(false);
    expect(await store.release(other, b)).toBe(true);
    expect((await store.get(key))?.result).toBe('"a"');
    expect(await store.get(other)).toBeUndefined();
  });

  test(`round-trips a large result (over ${largeChars} characters)`, async () => {
    const { clock, store, key } = await setup();
    const unit = 'é"\\\n{}[]<>/😀 \u0001ok ';
    const large = JSON.stringify(unit.repeat(Math.ceil(largeChars / unit.length)));
    const token = acquiredToken(
      await store.acquire(key, { inProgressExpiresAt: clock.now() + IN_PROGRESS_MS }),
    );
    expect(await store.complete(key, token, { result: large, expiresAt: clock.now() + TTL_MS })).toBe(true);
    const again = await store.acquire(key, { inProgressExpiresAt: clock.now() + IN_PROGRESS_MS });
    expect(again.status === 'completed' && again.result === large).toBe(true);
  });

  test('complete by a non-owner after a takeover is refused', async () => {
    const { clock, stores, key } = await setup(2);
    const [a, b] = stores as [IdempotencyStore, IdempotencyStore];
    const stale = acquiredToken(await a.acquire(key, { inProgressExpiresAt: clock.now() + IN_PROGRESS_MS }));
    clock.advance(IN_PROGRESS_MS + 1);
    const fresh = acquiredToken(await b.acquire(key, { inProgressExpiresAt: clock.now() + IN_PROGRESS_MS }));
    expect(await a.complete(key, stale, { result: '"stale"', expiresAt: clock.now() + TTL_MS })).toBe(false);
    expect(await a.release(key, stale)).toBe(false);
    expect((await b.get(key))?.status).toBe('in-progress');
    expect(await b.complete(key, fresh, { result: '"fresh"', expiresAt: clock.now() + TTL_MS })).toBe(true);
    expect((await a.get(key))?.result).toBe('"fresh"');
  });

  test('release or complete with a wrong token changes nothing', async () => {
    const { clock, store, key } = await setup();
    const expiresAt = clock.now() + IN_PROGRESS_MS;
    const token = acquiredToken(await store.acquire(key, { inProgressExpiresAt: expiresAt }));
    expect(await store.release(key, `${token}-x`)).toBe(false);
    expect(await store.complete(key, `${token}-x`, { expiresAt: clock.now() + TTL_MS })).toBe(false);
    expect(await store.get(key)).toMatchObject({ status: 'in-progress', expiresAt });
    expect(await store.release(`${key}-missing`, token)).toBe(false);
  });

  test('a lapsed claim cannot complete; the key runs again', async () => {
    const { clock, store, key } = await setup();
    const token = acquiredToken(
      await store.acquire(key, { inProgressExpiresAt: clock.now() + IN_PROGRESS_MS }),
    );
    clock.advance(IN_PROGRESS_MS);
    expect(await store.complete(key, token, { expiresAt: clock.now() + TTL_MS })).toBe(false);
    expect(await store.get(key)).toBeUndefined();
    expect((await store.acquire(key, { inProgressExpiresAt: clock.now() + IN_PROGRESS_MS })).status).toBe(
      'acquired',
    );
  });

  test('a completed record is neither released nor completed again', async () => {
    const { clock, store, key } = await setup();
    const token = acquiredToken(
      await store.acquire(key, { inProgressExpiresAt: clock.now() + IN_PROGRESS_MS }),
    );
    const expiresAt = clock.now() + TTL_MS;
    expect(await store.complete(key, token, { result: '"one"', expiresAt })).toBe(true);
    expect(await store.release(key, token)).toBe(false);
    expect(await store.complete(key, token, { result: '"two"', expiresAt: expiresAt + 1 })).toBe(false);
    expect(await store.get(key)).toEqual({
      status: 'completed',
      expiresAt,
      payloadHash: undefined,
      result: '"one"',
    });
  });

  test("extend moves the owner's in-progress expiry, so no takeover happens meanwhile", async () => {
    const { clock, store, key } = await setup();
    const token = acquiredToken(
      await store.acquire(key, {
        inProgressExpiresAt: clock.now() + IN_PROGRESS_MS,
        payloadHash: 'sha256:a',
      }),
    );
    clock.advance(IN_PROGRESS_MS - 1_000);
    const later = clock.now() + IN_PROGRESS_MS;
    expect(await store.extend(key, token, later)).toBe(true);
    clock.advance(2_000); // past the first expiry
    expect(await store.acquire(key, { inProgressExpiresAt: clock.now() + IN_PROGRESS_MS })).toEqual({
      status: 'in-progress',
      expiresAt: later,
      payloadHash: 'sha256:a',
    });
    expect(await store.complete(key, token, { result: '"done"', expiresAt: clock.now() + TTL_MS })).toBe(
      true,
    );
  });

  test('extend is refused for a wrong token, a lapsed claim and a completed record', async () => {
    const { clock, stores, key } = await setup(2);
    const [a, b] = stores as [IdempotencyStore, IdempotencyStore];
    const stale = acquiredToken(await a.acquire(key, { inProgressExpiresAt: clock.now() + IN_PROGRESS_MS }));
    expect(await a.extend(key, `${stale}-x`, clock.now() + TTL_MS)).toBe(false);
    clock.advance(IN_PROGRESS_MS);
    expect(await a.extend(key, stale, clock.now() + IN_PROGRESS_MS)).toBe(false); // lapsed
    const fresh = acquiredToken(await b.acquire(key, { inProgressExpiresAt: clock.now() + IN_PROGRESS_MS }));
    expect(await a.extend(key, stale, clock.now() + TTL_MS)).toBe(false); // taken over
    expect((await b.get(key))?.expiresAt).toBe(clock.now() + IN_PROGRESS_MS);
    await b.complete(key, fresh, { expiresAt: clock.now() + TTL_MS });
    expect(await b.extend(key, fresh, clock.now() + 2 * TTL_MS)).toBe(false); // completed
    expect(await b.get(key)).toMatchObject({ status: 'completed', expiresAt: clock.now() + TTL_MS });
  });

  test('get returns nothing for a missing key', async () => {
    const { store, key } = await setup();
    expect(await store.get(key)).toBeUndefined();
  });
}
