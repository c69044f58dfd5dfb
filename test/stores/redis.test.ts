import { createClient } from 'redis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { redisIdempotencyStore } from '../../adapters/redis/index.js';
import { memoryIdempotencyStore, TransportError } from '../../core/index.js';
import { ManualClock, runStoreConformance } from '../conformance/store-suite.js';
import { describeWithEmulator, uniqueName } from '../support/emulators.js';

describeWithEmulator('redis', 'store redis', ({ url }) => {
  // Each case gets its own key prefix; every makeStore call opens a new connection (two clients per race case).
  const prefixes = new WeakMap<object, string>();
  runStoreConformance('redis', ({ clock }) => {
    let prefix = prefixes.get(clock);
    if (!prefix) {
      prefix = `${uniqueName('idem')}:`;
      prefixes.set(clock, prefix);
    }
    return redisIdempotencyStore({ url, clock, prefix });
  });

  let client: ReturnType<typeof createClient>;
  beforeAll(async () => {
    client = createClient({ url });
    await client.connect();
  });
  afterAll(async () => {
    await client?.close();
  });

  it('store redis: works on a client the caller owns, and leaves it open on close', async () => {
    const clock = new ManualClock();
    const prefix = `${uniqueName('own')}:`;
    const store = redisIdempotencyStore({ client, clock, prefix });
    const outcome = await store.acquire('k', {
      inProgressExpiresAt: clock.now() + 30_000,
      payloadHash: 'sha256:x',
    });
    expect(outcome.status).toBe('acquired');
    const raw = await client.get(`${prefix}k`);
    expect(JSON.parse(String(raw))).toMatchObject({ s: 'p', h: 'sha256:x', x: String(clock.now() + 30_000) });
    const ttl = await client.pTTL(`${prefix}k`);
    expect(ttl).toBeGreaterThan(25_000);
    expect(ttl).toBeLessThanOrEqual(30_000);
    await store.close?.();
    expect(client.isOpen).toBe(true);
  });

  it('store redis: a failing connection is a retryable TransportError without the URL', async () => {
    const store = redisIdempotencyStore({ url: 'redis://user:secret@127.0.0.1:1' });
    const error = await store.get('k').catch((e: unknown) => e);
    expect(TransportError.isInstance(error)).toBe(true);
    expect((error as TransportError).retryable).toBe(true);
    expect(String((error as Error).message)).not.toContain('secret');
    await store.close?.();
  });

  it('store redis: behaves like the memory store on one scripted sequence', async () => {
    const clock = new ManualClock();
    const stores = [
      memoryIdempotencyStore({ clock }),
      redisIdempotencyStore({ client, clock, prefix: `${uniqueName('seq')}:` }),
    ];
    const traces = [];
    for (const store of stores) {
      const trace: unknown[] = [];
      const a = await store.acquire('k', {
        inProgressExpiresAt: clock.now() + 10_000,
        payloadHash: 'sha256:h',
      });
      trace.push(a.status);
      trace.push((await store.acquire('k', { inProgressExpiresAt: clock.now() + 10_000 })).status);
      if (a.status === 'acquired')
        trace.push(await store.complete('k', a.token, { result: '[1]', expiresAt: clock.now() + 20_000 }));
      trace.push(await store.get('k'));
      traces.push(trace);
    }
    expect(traces[1]).toEqual(traces[0]);
  });
});
