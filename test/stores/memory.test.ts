import { describe, expect, it } from 'vitest';
import {
  type AcquireOutcome,
  type Clock,
  type IdempotencyRecord,
  type IdempotencyStore,
  memoryIdempotencyStore,
} from '../../core/index.js';
import { ManualClock, raceAcquire, runStoreConformance } from '../conformance/store-suite.js';

// One in-process store per case: the suite's "two clients" of a memory store are the same instance.
const byClock = new WeakMap<Clock, IdempotencyStore>();
runStoreConformance('memory', ({ clock }) => {
  let store = byClock.get(clock);
  if (!store) {
    store = memoryIdempotencyStore({ clock });
    byClock.set(clock, store);
  }
  return store;
});

/** A deliberately broken store: it reads, awaits, then writes, so concurrent acquirers all "win". */
function checkThenSetStore(): IdempotencyStore {
  const records = new Map<string, IdempotencyRecord>();
  let n = 0;
  return {
    async acquire(key, options): Promise<AcquireOutcome> {
      const existing = records.get(key);
      await new Promise((resolve) => setImmediate(resolve));
      if (existing) return { status: 'in-progress', expiresAt: existing.expiresAt, payloadHash: undefined };
      records.set(key, {
        status: 'in-progress',
        expiresAt: options.inProgressExpiresAt,
        payloadHash: undefined,
        result: undefined,
      });
      return { status: 'acquired', token: String(++n) };
    },
    complete: async () => false,
    extend: async () => false,
    release: async () => false,
    get: async (key) => records.get(key),
  };
}

describe('store memory: race check', () => {
  it('store memory: the race check catches a non-atomic store (negative control)', async () => {
    const broken = checkThenSetStore();
    const outcomes = await raceAcquire([broken, broken], 'k', Date.now() + 30_000);
    expect(outcomes.filter((o) => o.status === 'acquired').length).toBeGreaterThan(1);
  });

  it('store memory: drops the oldest records beyond maxRecords', async () => {
    const clock = new ManualClock();
    const store = memoryIdempotencyStore({ clock, maxRecords: 2 });
    for (const key of ['a', 'b', 'c']) await store.acquire(key, { inProgressExpiresAt: clock.now() + 1_000 });
    expect(await store.get('a')).toBeUndefined();
    expect((await store.get('c'))?.status).toBe('in-progress');
  });
});
