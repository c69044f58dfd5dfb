/**
 * The Redis idempotency store (node-redis v6). `acquire` is one `SET key value NX PX` when the key is free, and a
 * Lua script that atomically takes over an expired record otherwise; `complete`, `extend` and `release` are Lua
 * scripts that check the owner token. Expiry follows the store's injected clock (the scripts are given `now`);
 * Redis's own TTL only bounds storage.
 *
 * @example
 * ```ts
 * import { redisIdempotencyStore } from 'omnibus/redis';
 * const store = redisIdempotencyStore({ url: 'redis://127.0.0.1:6379' });
 * bus.consume(billing, charge, { middleware: [idempotency({ store })] });
 * ```
 * @module
 */
import { randomUUID } from 'node:crypto';
import {
  type AcquireOptions,
  type AcquireOutcome,
  type Clock,
  type CompleteOptions,
  ConfigurationError,
  type IdempotencyRecord,
  type IdempotencyStore,
  type Logger,
  silentLogger,
  systemClock,
  TransportError,
} from '../../core/index.js';
import { COMPLETE_SCRIPT, EXTEND_SCRIPT, RELEASE_SCRIPT, TAKEOVER_SCRIPT } from './scripts.js';

/** The few node-redis v6 client methods the store uses (any `createClient()` result fits). */
export interface RedisClientLike {
  set(
    key: string,
    value: string,
    options: { condition: 'NX'; expiration: { type: 'PX'; value: number } },
  ): Promise<unknown>;
  get(key: string): Promise<unknown>;
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
}

/** Where the store connects: a URL (the store owns the connection) or a connected client (the caller owns it). */
export type RedisConnection = { readonly url: string } | { readonly client: RedisClientLike };

/** Options of {@link redisIdempotencyStore}. */
export type RedisIdempotencyStoreOptions = RedisConnection & {
  /** Prefix of every key the store writes (default `omnibus:idempotency:`). */
  readonly prefix?: string;
  /** Time source for expiry checks. Default: the system clock. */
  readonly clock?: Clock;
  /** Connection errors of an owned client are logged here (never the URL). */
  readonly logger?: Logger;
};

interface StoredJson {
  readonly s: 'p' | 'c';
  readonly t: string;
  readonly x: string;
  readonly h?: string;
  readonly r?: string;
}

const DEFAULT_PREFIX = 'omnibus:idempotency:';
/** Reconnection attempts before the first connection is given up (the call fails with a TransportError). */
const INITIAL_CONNECT_RETRIES = 3;

function parse(text: unknown): StoredJson | undefined {
  if (typeof text !== 'string') return undefined;
  try {
    const value = JSON.parse(text) as StoredJson;
    return typeof value === 'object' && value !== null && typeof value.x === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

function toRecord(stored: StoredJson): IdempotencyRecord {
  return {
    status: stored.s === 'c' ? 'completed' : 'in-progress',
    expiresAt: Number(stored.x),
    payloadHash: stored.h,
    result: stored.r,
  };
}

/**
 * Creates a Redis {@link IdempotencyStore}.
 *
 * @example
 * ```ts
 * const client = createClient({ url }); await client.connect();
 * const store = redisIdempotencyStore({ client, prefix: 'billing:idem:' });
 * ```
 */
export function redisIdempotencyStore(options: RedisIdempotencyStoreOptions): IdempotencyStore {
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  if (typeof prefix !== 'string') throw new ConfigurationError('redis.prefix', 'must be a string');
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  let owned: { close(): Promise<unknown>; destroy(): void } | undefined;
  let connecting: Promise<RedisClientLike> | undefined;

  if ('client' in options) {
    if (!options.client || typeof options.client.eval !== 'function') {
      throw new ConfigurationError('redis.client', 'must be a node-redis v6 client');
    }
  } else if (typeof options.url !== 'string' || !/^rediss?:\/\//.test(options.url)) {
    throw new ConfigurationError('redis.url', 'must be a redis:// or rediss:// URL');
  }

  const client = (): Promise<RedisClientLike> => {
    if ('client' in options) return Promise.resolve(options.client);
    connecting ??= (async () => {
      const { createClient } = await import('redis');
      let ready = false;
      const c = createClient({
        url: options.url,
        // Fail commands at once while disconnected (the retry middleware retries the message) instead of queueing.
        disableOfflineQueue: true,
        socket: {
          connectTimeout: 5_000,
          // The first connection fails fast after a few tries; once connected, reconnect with backoff for ever.
          reconnectStrategy: (retries: number, cause: Error) =>
            !ready && retries >= INITIAL_CONNECT_RETRIES
              ? cause
              : Math.min(5_000, 50 * 2 ** Math.min(retries, 7)),
        },
      });
      c.on('error', (error: unknown) =>
        logger.warn('redis idempotency store connection error', {
          error: error instanceof Error ? error.message : String(error),
        }),
      );
      owned = c;
      try {
        await c.connect();
      } catch (error) {
        owned = undefined;
        c.destroy();
        throw error;
      }
      ready = true;
      return c as unknown as RedisClientLike;
    })();
    connecting.catch(() => {
      connecting = undefined; // let the next call try again
    });
    return connecting;
  };

  const call = async <T>(operation: string, fn: (c: RedisClientLike) => Promise<T>): Promise<T> => {
    try {
      return await fn(await client());
    } catch (cause) {
      throw new TransportError('redis', `idempotency ${operation} failed`, { cause });
    }
  };

  const px = (expiresAt: number) => String(Math.max(1, Math.ceil(expiresAt - clock.now())));

  return {
    acquire(key: string, opts: AcquireOptions): Promise<AcquireOutcome> {
      return call('acquire', async (c) => {
        const token = randomUUID();
        const value: StoredJson = {
          s: 'p',
          t: token,
          x: String(opts.inProgressExpiresAt),
          ...(opts.payloadHash === undefined ? {} : { h: opts.payloadHash }),
        };
        const text = JSON.stringify(value);
        const ttl = Number(px(opts.inProgressExpiresAt));
        const set = await c.set(prefix + key, text, {
          condition: 'NX',
          expiration: { type: 'PX', value: ttl },
        });
        if (set !== null && set !== undefined) return { status: 'acquired', token };
        const existing = await c.eval(TAKEOVER_SCRIPT, {
          keys: [prefix + key],
          arguments: [String(clock.now()), text, String(ttl)],
        });
        if (existing === null || existing === undefined) return { status: 'acquired', token };
        const stored = parse(existing);
        if (stored === undefined) throw new Error('unreadable record returned by the takeover script');
        const record = toRecord(stored);
        return record.status === 'completed'
          ? {
              status: 'completed',
              expiresAt: record.expiresAt,
              result: record.result,
              payloadHash: record.payloadHash,
            }
          : { status: 'in-progress', expiresAt: record.expiresAt, payloadHash: record.payloadHash };
      });
    },
    complete(key: string, token: string, opts: CompleteOptions): Promise<boolean> {
      return call('complete', async (c) => {
        const done = await c.eval(COMPLETE_SCRIPT, {
          keys: [prefix + key],
          arguments: [
            String(clock.now()),
            token,
            String(opts.expiresAt),
            px(opts.expiresAt),
            opts.result === undefined ? '0' : '1',
            opts.result ?? '',
          ],
        });
        return Number(done) === 1;
      });
    },
    extend(key: string, token: string, inProgressExpiresAt: number): Promise<boolean> {
      return call('extend', async (c) => {
        const done = await c.eval(EXTEND_SCRIPT, {
          keys: [prefix + key],
          arguments: [String(clock.now()), token, String(inProgressExpiresAt), px(inProgressExpiresAt)],
        });
        return Number(done) === 1;
      });
    },
    release(key: string, token: string): Promise<boolean> {
      return call('release', async (c) => {
        const done = await c.eval(RELEASE_SCRIPT, {
          keys: [prefix + key],
          arguments: [String(clock.now()), token],
        });
        return Number(done) === 1;
      });
    },
    get(key: string): Promise<IdempotencyRecord | undefined> {
      return call('get', async (c) => {
        const stored = parse(await c.get(prefix + key));
        if (stored === undefined) return undefined;
        const record = toRecord(stored);
        return record.expiresAt > clock.now() ? record : undefined;
      });
    },
    async close(): Promise<void> {
      const pending = connecting;
      connecting = undefined;
      if (!pending) return;
      await pending.catch(() => undefined);
      const c = owned;
      owned = undefined;
      if (!c) return;
      try {
        await c.close();
      } catch {
        c.destroy();
      }
    },
  };
}
