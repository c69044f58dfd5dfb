/**
 * The idempotency store on DynamoDB: one item per key, written only with conditional writes, so `acquire` is atomic
 * across any number of consumers. Expiry follows the store's clock: every condition and every read compares the
 * item's expiry (`x`, epoch ms) with `clock.now()`, because DynamoDB's TTL deletion (attribute `ttl`, epoch seconds)
 * runs up to days late on AWS and never on moto; TTL only bounds storage.
 *
 * Item: `pk` (key, with the optional prefix), `st` (`p` in progress / `c` completed), `tk` (owner token),
 * `x` (expiry, epoch ms), `ttl` (epoch s), `h` (payload hash), `r` (serialized result).
 *
 * @example
 * ```ts
 * import { dynamoDbIdempotencyStore } from 'omnibus/aws';
 * const store = dynamoDbIdempotencyStore({ tableName: 'omnibus-idempotency' });
 * await store.provision(); // creates the table (on-demand) and turns TTL on, if missing
 * bus.consume(billing, charge, { middleware: [idempotency({ store })] });
 * ```
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { AttributeValue, DynamoDBClient, DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { type Clock, sleep, systemClock } from '../../core/clock.js';
import { ConfigurationError, LimitError, TransportError } from '../../core/errors.js';
import { assertIdempotencyKey } from '../../core/idempotency/errors.js';
import type {
  AcquireOptions,
  AcquireOutcome,
  CompleteOptions,
  IdempotencyRecord,
  IdempotencyStore,
} from '../../core/idempotency/store.js';
import { type AwsConnectionOptions, clientConfig } from './clients.js';
import { toOmnibusError } from './errors.js';

/**
 * DynamoDB's item limit: 400 KB including attribute names.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html
 */
export const DYNAMODB_MAX_ITEM_BYTES = 409_600;

/** Room kept for the item's other attributes (key ≤ 512 characters plus prefix, token, hash, numbers). */
const ITEM_OVERHEAD_BYTES = 8_192;

/** Largest serialized result the store accepts, in UTF-8 bytes. */
export const DYNAMODB_MAX_RESULT_BYTES = DYNAMODB_MAX_ITEM_BYTES - ITEM_OVERHEAD_BYTES;

/** Table names: 3–255 characters of letters, digits, `_`, `-`, `.`. https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html */
const TABLE_NAME_PATTERN = /^[A-Za-z0-9_.-]{3,255}$/;

/**
 * Options of {@link dynamoDbIdempotencyStore}.
 *
 * @example
 * ```ts
 * const options: DynamoDbIdempotencyStoreOptions = { tableName: 'omnibus-idempotency', keyPrefix: 'billing:' };
 * ```
 */
export interface DynamoDbIdempotencyStoreOptions extends AwsConnectionOptions {
  /** The table (partition key `pk`, a string). `provision()` creates it when missing. */
  readonly tableName: string;
  /** A client to use (never destroyed by the store). Default: one built from the connection options. */
  readonly client?: DynamoDBClient;
  /** Time source of every expiry decision. Default: the system clock. */
  readonly clock?: Clock;
  /** Prefix of every key in the table, to share one table between services. Default none. */
  readonly keyPrefix?: string;
}

/**
 * The DynamoDB store: an {@link IdempotencyStore} that can also create its table.
 *
 * @example
 * ```ts
 * const store: DynamoDbIdempotencyStore = dynamoDbIdempotencyStore({ tableName: 'idem' });
 * await store.provision();
 * ```
 */
export interface DynamoDbIdempotencyStore extends IdempotencyStore {
  readonly tableName: string;
  /**
   * Creates the table (on-demand billing, partition key `pk`) and enables TTL on `ttl` when missing; waits until
   * the table is active. Harmless to call twice.
   */
  provision(): Promise<void>;
}

type Item = Record<string, AttributeValue>;

const NAMES = { '#pk': 'pk', '#st': 'st', '#tk': 'tk', '#x': 'x', '#ttl': 'ttl', '#h': 'h', '#r': 'r' };

function n(value: number): AttributeValue {
  return { N: String(Math.floor(value)) };
}

function ttlOf(expiresAt: number): AttributeValue {
  return n(Math.ceil(expiresAt / 1000));
}

function isConditionFailure(error: unknown): error is { name: string; Item?: Item } {
  return (error as { name?: unknown } | null)?.name === 'ConditionalCheckFailedException';
}

function recordOf(item: Item): IdempotencyRecord & { token: string } {
  return {
    status: item.st?.S === 'c' ? 'completed' : 'in-progress',
    expiresAt: Number(item.x?.N ?? 0),
    payloadHash: item.h?.S,
    result: item.r?.S,
    token: item.tk?.S ?? '',
  };
}

/**
 * Creates the DynamoDB idempotency store. The SDK is loaded on first use.
 *
 * @example
 * ```ts
 * const store = dynamoDbIdempotencyStore({ tableName: 'idem', endpoint: 'http://127.0.0.1:4566' });
 * const outcome = await store.acquire('billing:o-1', { inProgressExpiresAt: Date.now() + 30_000 });
 * ```
 */
export function dynamoDbIdempotencyStore(options: DynamoDbIdempotencyStoreOptions): DynamoDbIdempotencyStore {
  const { tableName } = options;
  if (typeof tableName !== 'string' || !TABLE_NAME_PATTERN.test(tableName)) {
    throw new ConfigurationError(
      'tableName',
      `"${String(tableName)}" must be 3–255 letters, digits, "_", "-" or "."`,
    );
  }
  const clock = options.clock ?? systemClock;
  const prefix = options.keyPrefix ?? '';
  const entity = `DynamoDB table "${tableName}"`;
  let sdkPromise: Promise<typeof import('@aws-sdk/client-dynamodb')> | undefined;
  let clientPromise: Promise<DynamoDBClient> | undefined = options.client
    ? Promise.resolve(options.client)
    : undefined;
  let owned: DynamoDBClient | undefined;
  let closed = false;

  const sdk = () => {
    sdkPromise ??= import('@aws-sdk/client-dynamodb');
    return sdkPromise;
  };
  const client = () => {
    if (closed) throw new ConfigurationError('dynamodb store', 'is closed');
    clientPromise ??= sdk().then((m) => {
      owned = new m.DynamoDBClient(clientConfig(options, 'DYNAMODB') as DynamoDBClientConfig);
      return owned;
    });
    return clientPromise;
  };
  const keyOf = (key: string): Item => {
    assertIdempotencyKey(key);
    return { pk: { S: prefix + key } };
  };
  const call = async <T>(
    operation: string,
    fn: (c: DynamoDBClient, m: typeof import('@aws-sdk/client-dynamodb')) => Promise<T>,
  ): Promise<T> => {
    const [c, m] = await Promise.all([client(), sdk()]);
    try {
      return await fn(c, m);
    } catch (error) {
      if (isConditionFailure(error)) throw error;
      throw toOmnibusError(error, operation, entity);
    }
  };
  const read = async (key: string): Promise<(IdempotencyRecord & { token: string }) | undefined> => {
    const out = await call('GetItem', (c, m) =>
      c.send(new m.GetItemCommand({ TableName: tableName, Key: keyOf(key), ConsistentRead: true })),
    );
    if (!out.Item) return undefined;
    const record = recordOf(out.Item);
    return record.expiresAt > clock.now() ? record : undefined;
  };
  /** Runs a conditional write; false when its condition did not hold. */
  const conditional = async (operation: string, fn: Parameters<typeof call>[1]): Promise<boolean> => {
    try {
      await call(operation, fn);
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  };
  const ownerCondition = '#tk = :tk AND #st = :p AND #x > :now';

  const store: DynamoDbIdempotencyStore = {
    tableName,

    async acquire(key: string, acquireOptions: AcquireOptions): Promise<AcquireOutcome> {
      const token = randomUUID();
      for (let attempt = 0; attempt < 5; attempt++) {
        const item: Item = {
          ...keyOf(key),
          st: { S: 'p' },
          tk: { S: token },
          x: n(acquireOptions.inProgressExpiresAt),
          ttl: ttlOf(acquireOptions.inProgressExpiresAt),
          ...(acquireOptions.payloadHash !== undefined ? { h: { S: acquireOptions.payloadHash } } : {}),
        };
        let existing: Item | undefined;
        try {
          await call('PutItem', (c, m) =>
            c.send(
              new m.PutItemCommand({
                TableName: tableName,
                Item: item,
                // A fresh key, or an expired record (taken over): expiry is judged by the store's clock.
                ConditionExpression: 'attribute_not_exists(#pk) OR #x <= :now',
                ExpressionAttributeNames: { '#pk': NAMES['#pk'], '#x': NAMES['#x'] },
                ExpressionAttributeValues: { ':now': n(clock.now()) },
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
              }),
            ),
          );
          return { status: 'acquired', token };
        } catch (error) {
          if (!isConditionFailure(error)) throw error;
          existing = error.Item;
        }
        const live = existing ? recordOf(existing) : await read(key);
        if (live && live.expiresAt > clock.now()) {
          return live.status === 'completed'
            ? {
                status: 'completed',
                expiresAt: live.expiresAt,
                result: live.result,
                payloadHash: live.payloadHash,
              }
            : { status: 'in-progress', expiresAt: live.expiresAt, payloadHash: live.payloadHash };
        }
        // The record went away between the write and the read: try again.
      }
      throw new TransportError('aws', `acquire on ${entity} kept racing with other writers; try again`);
    },

    async complete(key: string, token: string, completeOptions: CompleteOptions): Promise<boolean> {
      const result = completeOptions.result;
      if (result !== undefined) {
        const bytes = Buffer.byteLength(result, 'utf8');
        if (bytes > DYNAMODB_MAX_RESULT_BYTES) {
          throw new LimitError('idempotency result', bytes, DYNAMODB_MAX_RESULT_BYTES, 'aws (DynamoDB item)');
        }
      }
      return conditional('UpdateItem', (c, m) =>
        c.send(
          new m.UpdateItemCommand({
            TableName: tableName,
            Key: keyOf(key),
            UpdateExpression:
              result === undefined
                ? 'SET #st = :c, #x = :x, #ttl = :ttl REMOVE #r'
                : 'SET #st = :c, #x = :x, #ttl = :ttl, #r = :r',
            ConditionExpression: ownerCondition,
            ExpressionAttributeNames: {
              '#st': NAMES['#st'],
              '#tk': NAMES['#tk'],
              '#x': NAMES['#x'],
              '#ttl': NAMES['#ttl'],
              '#r': NAMES['#r'],
            },
            ExpressionAttributeValues: {
              ':c': { S: 'c' },
              ':p': { S: 'p' },
              ':tk': { S: token },
              ':now': n(clock.now()),
              ':x': n(completeOptions.expiresAt),
              ':ttl': ttlOf(completeOptions.expiresAt),
              ...(result === undefined ? {} : { ':r': { S: result } }),
            },
          }),
        ),
      );
    },

    async extend(key: string, token: string, inProgressExpiresAt: number): Promise<boolean> {
      return conditional('UpdateItem', (c, m) =>
        c.send(
          new m.UpdateItemCommand({
            TableName: tableName,
            Key: keyOf(key),
            UpdateExpression: 'SET #x = :x, #ttl = :ttl',
            ConditionExpression: ownerCondition,
            ExpressionAttributeNames: {
              '#st': NAMES['#st'],
              '#tk': NAMES['#tk'],
              '#x': NAMES['#x'],
              '#ttl': NAMES['#ttl'],
            },
            ExpressionAttributeValues: {
              ':p': { S: 'p' },
              ':tk': { S: token },
              ':now': n(clock.now()),
              ':x': n(inProgressExpiresAt),
              ':ttl': ttlOf(inProgressExpiresAt),
            },
          }),
        ),
      );
    },

    async release(key: string, token: string): Promise<boolean> {
      return conditional('DeleteItem', (c, m) =>
        c.send(
          new m.DeleteItemCommand({
            TableName: tableName,
            Key: keyOf(key),
            ConditionExpression: ownerCondition,
            ExpressionAttributeNames: { '#st': NAMES['#st'], '#tk': NAMES['#tk'], '#x': NAMES['#x'] },
            ExpressionAttributeValues: { ':p': { S: 'p' }, ':tk': { S: token }, ':now': n(clock.now()) },
          }),
        ),
      );
    },

    async get(key: string): Promise<IdempotencyRecord | undefined> {
      const record = await read(key);
      if (!record) return undefined;
      return {
        status: record.status,
        expiresAt: record.expiresAt,
        payloadHash: record.payloadHash,
        result: record.result,
      };
    },

    async provision(): Promise<void> {
      await call('CreateTable', async (c, m) => {
        try {
          await c.send(
            new m.CreateTableCommand({
              TableName: tableName,
              AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
              KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
              BillingMode: 'PAY_PER_REQUEST',
            }),
          );
        } catch (error) {
          if ((error as { name?: unknown }).name !== 'ResourceInUseException') throw error;
        }
        for (let i = 0; ; i++) {
          const out = await c.send(new m.DescribeTableCommand({ TableName: tableName }));
          if (out.Table?.TableStatus === 'ACTIVE') break;
          if (i >= 120) throw new TransportError('aws', `${entity} did not become active within 2 minutes`);
          await sleep(systemClock, 1000);
        }
        const ttl = await c.send(new m.DescribeTimeToLiveCommand({ TableName: tableName }));
        const status = ttl.TimeToLiveDescription?.TimeToLiveStatus;
        if (status !== 'ENABLED' && status !== 'ENABLING') {
          await c.send(
            new m.UpdateTimeToLiveCommand({
              TableName: tableName,
              TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
            }),
          );
        }
      });
    },

    async close(): Promise<void> {
      closed = true;
      owned?.destroy();
      owned = undefined;
    },
  };
  return store;
}
