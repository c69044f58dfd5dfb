/**
 * The idempotency store suite on Azure Table storage, against Azurite's table service (started by the global
 * setup). One table per file; every case uses fresh keys; every makeStore call opens its own TableClient.
 */
import { TableClient } from '@azure/data-tables';
import { beforeAll, expect, it } from 'vitest';
import {
  azureTableIdempotencyStore,
  chunksOf,
  partitionKeyOf,
  TABLE_MAX_RESULT_UNITS,
} from '../../adapters/azure/table-store.js';
import { ConfigurationError, LimitError, NotFoundError } from '../../core/errors.js';
import { memoryIdempotencyStore } from '../../core/idempotency/memory-store.js';
import { ManualClock, runStoreConformance } from '../conformance/store-suite.js';
import { describeWithEmulator, uniqueName } from '../support/emulators.js';

describeWithEmulator('azurite', 'store azure-table', ({ connectionString }) => {
  const tableName = uniqueName('idem', { alphanumeric: true });
  const table = () =>
    TableClient.fromConnectionString(connectionString, tableName, { allowInsecureConnection: true });

  beforeAll(async () => {
    await azureTableIdempotencyStore({ tableName, connectionString }).provision();
  });

  runStoreConformance('azure-table', ({ clock }) =>
    azureTableIdempotencyStore({ tableName, connectionString, clock }),
  );

  it('store azure-table: provision is idempotent', async () => {
    const name = uniqueName('prov', { alphanumeric: true });
    const store = azureTableIdempotencyStore({ tableName: name, connectionString });
    await store.provision();
    await store.provision();
    expect(await store.get('anything')).toBeUndefined();
  });

  it('store azure-table: entities carry the key, expiry and hash; keys with reserved characters work', async () => {
    const clock = new ManualClock(1_800_000_000_123);
    const store = azureTableIdempotencyStore({ tableName, connectionString, clock, keyPrefix: 'svc:' });
    const key = `odd/key#?\\%${uniqueName('k')}`;
    const outcome = await store.acquire(key, {
      inProgressExpiresAt: clock.now() + 30_000,
      payloadHash: 'sha256:x',
    });
    expect(outcome.status).toBe('acquired');
    const raw = await table().getEntity<Record<string, unknown>>(partitionKeyOf(`svc:${key}`), '');
    expect(raw).toMatchObject({ k: `svc:${key}`, st: 'p', x: 1_800_000_030_123, h: 'sha256:x' });
    expect((await store.get(key))?.status).toBe('in-progress');
  });

  it('store azure-table: an expired entity still in the table (no TTL) is treated as absent', async () => {
    const clock = new ManualClock();
    const store = azureTableIdempotencyStore({ tableName, connectionString, clock });
    const key = uniqueName('stale');
    await table().createEntity({
      partitionKey: partitionKeyOf(key),
      rowKey: '',
      st: 'c',
      tk: 'old',
      x: clock.now() - 1,
      r0: '"old"',
    });
    expect(await store.get(key)).toBeUndefined();
    expect((await store.acquire(key, { inProgressExpiresAt: clock.now() + 1000 })).status).toBe('acquired');
  });

  it('store azure-table: a key over 512 encoded characters is hashed, and still isolated', async () => {
    const clock = new ManualClock();
    const store = azureTableIdempotencyStore({ tableName, connectionString, clock });
    const long = `${'é'.repeat(200)}${uniqueName('x')}`;
    expect(partitionKeyOf(long)).toMatch(/^h-[0-9a-f]{64}$/);
    const a = await store.acquire(long, { inProgressExpiresAt: clock.now() + 1000 });
    expect(a.status).toBe('acquired');
    expect((await store.acquire(`${long}!`, { inProgressExpiresAt: clock.now() + 1000 })).status).toBe(
      'acquired',
    );
    expect((await store.acquire(long, { inProgressExpiresAt: clock.now() + 1000 })).status).toBe(
      'in-progress',
    );
  });

  it('store azure-table: results are chunked without splitting surrogate pairs', () => {
    const text = `${'a'.repeat(9)}😀b`;
    const chunks = chunksOf(text, 10);
    expect(chunks).toEqual(['a'.repeat(9), '😀b']);
    expect(chunks.join('')).toBe(text);
  });

  it('store azure-table: a missing table is a NotFoundError naming it', async () => {
    const store = azureTableIdempotencyStore({
      tableName: uniqueName('nosuch', { alphanumeric: true }),
      connectionString,
    });
    const error = await store.get('k').catch((e: unknown) => e);
    expect(NotFoundError.isInstance(error)).toBe(true);
    expect(String((error as Error).message)).toContain('Azure table');
  });

  it('store azure-table: refuses a result over the entity limit before writing, bad names and remote plain HTTP', async () => {
    const clock = new ManualClock();
    const store = azureTableIdempotencyStore({ tableName, connectionString, clock });
    const key = uniqueName('big');
    const outcome = await store.acquire(key, { inProgressExpiresAt: clock.now() + 30_000 });
    if (outcome.status !== 'acquired') throw new Error('expected acquired');
    const error = await store
      .complete(key, outcome.token, {
        result: 'x'.repeat(TABLE_MAX_RESULT_UNITS + 1),
        expiresAt: clock.now() + 1000,
      })
      .catch((e: unknown) => e);
    expect(LimitError.isInstance(error)).toBe(true);
    expect((await store.get(key))?.status).toBe('in-progress');
    expect(() => azureTableIdempotencyStore({ tableName: 'has-hyphen', connectionString })).toThrow(
      ConfigurationError,
    );
    const remote = connectionString.replace(/127\.0\.0\.1|localhost/g, '10.1.2.3');
    expect(() => azureTableIdempotencyStore({ tableName, connectionString: remote })).toThrow(/loopback/);
  });

  it('store azure-table: leaves a client it was given usable on close', async () => {
    const client = table();
    const store = azureTableIdempotencyStore({ tableName, client });
    await store.get('anything');
    await store.close?.();
    await expect(
      client.getEntity('nope', '').catch((e: { statusCode?: number }) => e.statusCode),
    ).resolves.toBe(404);
  });

  it('store azure-table: behaves like the memory store on one scripted sequence', async () => {
    const clock = new ManualClock();
    const stores = [
      memoryIdempotencyStore({ clock }),
      azureTableIdempotencyStore({ tableName, connectionString, clock, keyPrefix: `${uniqueName('seq')}:` }),
    ];
    const traces: unknown[][] = [];
    for (const store of stores) {
      const trace: unknown[] = [];
      const a = await store.acquire('k', {
        inProgressExpiresAt: clock.now() + 10_000,
        payloadHash: 'sha256:h',
      });
      trace.push(a.status);
      trace.push(await store.acquire('k', { inProgressExpiresAt: clock.now() + 10_000 }));
      if (a.status === 'acquired') {
        trace.push(await store.extend('k', a.token, clock.now() + 15_000));
        trace.push(await store.complete('k', a.token, { result: '[1]', expiresAt: clock.now() + 20_000 }));
      }
      trace.push(await store.get('k'));
      traces.push(trace);
    }
    expect(traces[1]).toEqual(traces[0]);
  });
});
