/**
 * `omnibus/redis`: the Redis idempotency store (node-redis v6). The only module that imports `redis`.
 *
 * @example
 * ```ts
 * import { idempotency } from 'omnibus';
 * import { redisIdempotencyStore } from 'omnibus/redis';
 * const store = redisIdempotencyStore({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' });
 * bus.consume(billing, charge, { middleware: [idempotency({ store })] });
 * ```
 * @module
 */
export {
  type RedisClientLike,
  type RedisConnection,
  type RedisIdempotencyStoreOptions,
  redisIdempotencyStore,
} from './store.js';
