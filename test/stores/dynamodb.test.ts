import {
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { dynamoDbIdempotencyStore } from '../../adapters/aws/dynamodb-store.js';
import { ConfigurationError, LimitError, NotFoundError } from '../../core/errors.js';
import { memoryIdempotencyStore } from '../../core/idempotency/memory-store.js';
import { ManualClock, runStoreConformance } from '../conformance/store-suite.js';
import { awsClientConfig, describeWithEmulator, uniqueName } from '../support/emulators.js';

describeWithEmulator('aws', 'store dynamodb', () => {
  const tableName = uniqueName('idem');
  const connection = () => {
    const c = awsClientConfig();
    return { endpoint: c.endpoint, region: c.region, credentials: c.credentials };
  };
  let client: DynamoDBClient;

  beforeAll(async () => {
    client = new DynamoDBClient(awsClientConfig());
    await dynamoDbIdempotencyStore({ tableName, client }).provision();
  });
  afterAll(() => client?.destroy());

  // Every makeStore call opens its own client on the same table (two clients in the race cases).
  runStoreConformance('dynamodb', ({ clock }) =>
    dynamoDbIdempotencyStore({ tableName, clock, ...connection() }),
  );

  it('store dynamodb: provision is idempotent and turns TTL on for the ttl attribute', async () => {
    const name = uniqueName('idemprov');
    const store = dynamoDbIdempotencyStore({ tableName: name, client });
    await store.provision();
    await store.provision();
    const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: name }));
    expect(ttl.TimeToLiveDescription).toMatchObject({ TimeToLiveStatus: 'ENABLED', AttributeName: 'ttl' });
  });

  it('store dynamodb: items carry the TTL in epoch seconds next to the expiry in ms', async () => {
    const clock = new ManualClock(1_800_000_000_123);
    const store = dynamoDbIdempotencyStore({ tableName, client, clock, keyPrefix: 'svc:' });
    await store.acquire('ttl-key', { inProgressExpiresAt: clock.now() + 30_000, payloadHash: 'sha256:x' });
    const raw = await client.send(
      new GetItemCommand({ TableName: tableName, Key: { pk: { S: 'svc:ttl-key' } } }),
    );
    expect(raw.Item).toMatchObject({
      st: { S: 'p' },
      x: { N: String(1_800_000_030_123) },
      ttl: { N: String(1_800_000_031) },
      h: { S: 'sha256:x' },
    });
  });

  it('store dynamodb: an expired item still in the table (TTL deletes late) is treated as absent', async () => {
    const clock = new ManualClock();
    const store = dynamoDbIdempotencyStore({ tableName, client, clock });
    const key = uniqueName('stale');
    await client.send(
      new PutItemCommand({
        TableName: tableName,
        Item: {
          pk: { S: key },
          st: { S: 'c' },
          tk: { S: 'old' },
          x: { N: String(clock.now() - 1) },
          ttl: { N: String(Math.ceil((clock.now() - 1) / 1000)) },
          r: { S: '"old"' },
        },
      }),
    );
    expect(await store.get(key)).toBeUndefined();
    expect((await store.acquire(key, { inProgressExpiresAt: clock.now() + 1000 })).status).toBe('acquired');
  });

  it('store dynamodb: leaves a client it was given open on close', async () => {
    const store = dynamoDbIdempotencyStore({ tableName, client });
    await store.get('anything');
    await store.close?.();
    await expect(client.send(new DescribeTimeToLiveCommand({ TableName: tableName }))).resolves.toBeDefined();
  });

  it('store dynamodb: a missing table is a NotFoundError naming it', async () => {
    const store = dynamoDbIdempotencyStore({ tableName: uniqueName('nosuch'), client });
    const error = await store.get('k').catch((e: unknown) => e);
    expect(NotFoundError.isInstance(error)).toBe(true);
    expect(String((error as Error).message)).toContain('DynamoDB table');
  });

  it('store dynamodb: refuses a result over the item limit before writing, and a bad table name at once', async () => {
    const clock = new ManualClock();
    const store = dynamoDbIdempotencyStore({ tableName, client, clock });
    const outcome = await store.acquire(uniqueName('big'), { inProgressExpiresAt: clock.now() + 30_000 });
    if (outcome.status !== 'acquired') throw new Error('expected acquired');
    const error = await store
      .complete(uniqueName('big'), outcome.token, {
        result: 'x'.repeat(500_000),
        expiresAt: clock.now() + 1000,
      })
      .catch((e: unknown) => e);
    expect(LimitError.isInstance(error)).toBe(true);
    expect(() => dynamoDbIdempotencyStore({ tableName: 'a b' })).toThrow(ConfigurationError);
  });

  it('store dynamodb: behaves like the memory store on one scripted sequence', async () => {
    const clock = new ManualClock();
    const stores = [
      memoryIdempotencyStore({ clock }),
      dynamoDbIdempotencyStore({ tableName, client, clock, keyPrefix: `${uniqueName('seq')}:` }),
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
