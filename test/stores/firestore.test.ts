import { Firestore } from '@google-cloud/firestore';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { firestoreIdempotencyStore } from '../../adapters/gcp/index.js';
import { ConfigurationError, memoryIdempotencyStore } from '../../core/index.js';
import { ManualClock, raceAcquire, runStoreConformance } from '../conformance/store-suite.js';
import { describeWithEmulator, firestoreClientConfig, uniqueName } from '../support/emulators.js';

describeWithEmulator('firestore', 'store firestore', () => {
  // One collection per case (keyed by the case's clock); every makeStore call creates its own client (two clients
  // per race case), all on the same emulator database.
  const collections = new WeakMap<object, string>();
  runStoreConformance('firestore', ({ clock }) => {
    let collection = collections.get(clock);
    if (!collection) {
      collection = uniqueName('idem');
      collections.set(clock, collection);
    }
    return firestoreIdempotencyStore({ settings: firestoreClientConfig(), clock, collection });
  });

  let client: Firestore;
  beforeAll(() => {
    client = new Firestore(firestoreClientConfig());
  });
  afterAll(async () => {
    await client?.terminate();
  });

  it('store firestore: works on a client the caller owns, keeps the key and a TTL field, leaves the client open', async () => {
    const clock = new ManualClock();
    const collection = uniqueName('own');
    const store = firestoreIdempotencyStore({ firestore: client, clock, collection });
    const key = 'tenant/a:order 1';
    const outcome = await store.acquire(key, {
      inProgressExpiresAt: clock.now() + 30_000,
      payloadHash: 'sha256:x',
    });
    expect(outcome.status).toBe('acquired');
    const docs = (await client.collection(collection).get()).docs;
    expect(docs).toHaveLength(1);
    const data = docs[0]!.data();
    expect(docs[0]!.id).toMatch(/^[0-9a-f]{64}$/); // keys may hold "/", document ids may not
    expect(data).toMatchObject({
      key,
      status: 'in-progress',
      expiresAt: clock.now() + 30_000,
      payloadHash: 'sha256:x',
    });
    expect(data.ttl.toMillis()).toBe(clock.now() + 30_000);
    await store.close?.();
    // The caller's client still works.
    expect((await client.collection(collection).get()).size).toBe(1);
  });

  it('store firestore: eight clients racing on fresh keys: exactly one winner each', async () => {
    const clock = new ManualClock();
    const collection = uniqueName('race');
    const stores = Array.from({ length: 8 }, () =>
      firestoreIdempotencyStore({ settings: firestoreClientConfig(), clock, collection }),
    );
    try {
      for (let round = 0; round < 5; round++) {
        const outcomes = await raceAcquire(stores, `race-${round}`, clock.now() + 30_000, 2);
        expect(outcomes.filter((o) => o.status === 'acquired')).toHaveLength(1);
      }
    } finally {
      await Promise.all(stores.map((s) => s.close?.()));
    }
  });

  it('store firestore: negative control: an unconditional read-then-write lets several racing clients win', async () => {
    // What the store's conditional writes prevent: on the same emulator, a plain get-then-set has several winners,
    // so the race cases above can fail.
    const collection = uniqueName('naive');
    const clients = Array.from({ length: 4 }, () => new Firestore(firestoreClientConfig()));
    try {
      let roundsWithSeveralWinners = 0;
      for (let round = 0; round < 5; round++) {
        const wins = await Promise.all(
          clients.flatMap((c) =>
            [0, 1].map(async () => {
              const ref = c.collection(collection).doc(`k${round}`);
              if ((await ref.get()).exists) return false;
              await ref.set({ token: Math.random() });
              return true;
            }),
          ),
        );
        if (wins.filter(Boolean).length > 1) roundsWithSeveralWinners++;
      }
      expect(roundsWithSeveralWinners).toBeGreaterThan(0);
    } finally {
      await Promise.all(clients.map((c) => c.terminate()));
    }
  });

  it('store firestore: behaves like the memory store on one scripted sequence', async () => {
    const clock = new ManualClock();
    const stores = [
      memoryIdempotencyStore({ clock }),
      firestoreIdempotencyStore({ firestore: client, clock, collection: uniqueName('seq') }),
    ];
    const trace = async (store: (typeof stores)[number]) => {
      const out: unknown[] = [];
      const a = await store.acquire('k', { inProgressExpiresAt: clock.now() + 1_000, payloadHash: 'h1' });
      out.push(a.status);
      out.push((await store.acquire('k', { inProgressExpiresAt: clock.now() + 1_000 })).status);
      const token = a.status === 'acquired' ? a.token : '';
      out.push(await store.extend('k', token, clock.now() + 2_000));
      out.push(await store.complete('k', token, { result: '"r"', expiresAt: clock.now() + 5_000 }));
      out.push(await store.get('k'));
      out.push(await store.release('k', token));
      return out;
    };
    const [memory, firestore] = [await trace(stores[0]!), await trace(stores[1]!)];
    expect(firestore).toEqual(memory);
  });

  it('store firestore: refuses a bad collection name', () => {
    expect(() => firestoreIdempotencyStore({ collection: 'a/b' })).toThrow(ConfigurationError);
  });
});
