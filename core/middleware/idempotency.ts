/**
 * Idempotency: exactly-once effects on top of at-least-once delivery. Runs inside retry and validation (it sees the
 * decoded body) and around the user's middleware and handler.
 *
 * Per message it claims a key in an {@link IdempotencyStore}:
 * - claimed → runs the handler (renewing the claim every third of `inProgressSeconds`, as the bus renews the
 *   lease), then marks the record completed (caching the result when `cacheResult`); if the
 *   handler throws, it deletes the record (so the retry can run) and rethrows for the retry middleware;
 * - completed → does not run the handler; returns the cached result (the message is acked) and reports a duplicate;
 * - in progress elsewhere → does not run the handler; releases the message until the holder's in-progress expiry
 *   (at least 1 s), so a crashed holder's key is retried once its claim lapses;
 * - a record made from a different payload → throws {@link IdempotencyKeyReusedError} (dead-lettered at once).
 *
 * The stored key is `<source>:<key>`, so two subscriptions of one topic sharing a store never skip each other.
 *
 * @example
 * ```ts
 * const store = memoryIdempotencyStore();
 * bus.consume(billing, charge, {
 *   middleware: [idempotency({ store, key: (m) => (m.body as Order).orderId, cacheResult: true })],
 * });
 * ```
 * @module
 */
import { type Clock, systemClock, type Timer } from '../clock.js';
import { DEFAULTS } from '../declarations.js';
import { ConfigurationError } from '../errors.js';
import {
  assertIdempotencyKey,
  IdempotencyKeyError,
  IdempotencyKeyReusedError,
} from '../idempotency/errors.js';
import { payloadHashOf } from '../idempotency/payload-hash.js';
import type { IdempotencyStore } from '../idempotency/store.js';
import type { Logger } from '../logger.js';
import type { Middleware, ReceivedMessage } from '../message.js';

/** A duplicate the middleware did not run. */
export interface DuplicateEvent {
  /** Queue name or `topic/subscription`. */
  readonly source: string;
  readonly messageId: string;
  readonly attempt: number;
  /** The store key (`<source>:<key>`). */
  readonly key: string;
  /** `completed`: acked with the cached result; `in-progress`: released until the holder's claim lapses. */
  readonly status: 'completed' | 'in-progress';
}

/** Options of {@link idempotency}. */
export interface IdempotencyOptions {
  readonly store: IdempotencyStore;
  /**
   * The key of a message (default: its id). Use a field of the body when publishers retry with new ids; the
   * result must be a string of 1–512 characters.
   */
  readonly key?: (message: ReceivedMessage<any>) => string;
  /**
   * How long a claim holds without renewal before another delivery may take it over (a crashed consumer's key).
   * The claim is renewed every third of it while the handler runs, as the bus renews the lease. Default: 30 s, the
   * default lease; give the source's `leaseSeconds`.
   */
  readonly inProgressSeconds?: number;
  /** How long a completed key is remembered (default 24 h). */
  readonly ttlSeconds?: number;
  /** Store the handler's result (as JSON) and return it for duplicates (default false). */
  readonly cacheResult?: boolean;
  /** Detect a key reused with a different body (default true). */
  readonly payloadHash?: boolean;
  /** Time source; give the bus's clock (the virtual clock in tests). Default: the system clock. */
  readonly clock?: Clock;
  /** Called for every duplicate not run (the bus maps it to `hooks.onDuplicateSkipped`). */
  readonly onDuplicate?: (event: DuplicateEvent) => void;
  /** Warnings (store failures after a handler succeeded); never receives bodies. */
  readonly logger?: Logger;
}

/** Default time a completed key is remembered, in seconds. */
export const DEFAULT_IDEMPOTENCY_TTL_SECONDS = 24 * 3600;

function assertSeconds(field: string, value: number | undefined, min: number, max: number): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new ConfigurationError(
      `idempotency.${field}`,
      `must be a number of seconds from ${min} to ${max}, got ${String(value)}`,
    );
  }
}

function parseResult(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function serializeResult(result: unknown): string | undefined {
  if (result === undefined) return undefined;
  try {
    return JSON.stringify(result);
  } catch {
    return undefined; // not JSON-serializable: complete without a cached result
  }
}

/**
 * The store key of a message: `<source>:<key>` (scoped by source so two subscriptions sharing a store never skip
 * each other's messages).
 *
 * @example
 * ```ts
 * idempotencyStoreKey('order-placed/email', 'm-1'); // 'order-placed/email:m-1'
 * ```
 */
export function idempotencyStoreKey(source: string, key: string): string {
  return `${source}:${key}`;
}

/**
 * The idempotency middleware; see the module documentation.
 *
 * @example
 * ```ts
 * createBus({ adapter, middleware: [idempotency({ store: memoryIdempotencyStore(), ttlSeconds: 3600 })] });
 * ```
 */
export function idempotency(options: IdempotencyOptions): Middleware {
  const store = options.store;
  if (!store || typeof store.acquire !== 'function') {
    throw new ConfigurationError('idempotency.store', 'is required (an IdempotencyStore)');
  }
  assertSeconds('inProgressSeconds', options.inProgressSeconds, 1, 43_200);
  assertSeconds('ttlSeconds', options.ttlSeconds, 1, 366 * 24 * 3600);
  const clock = options.clock ?? systemClock;
  const inProgressMs = (options.inProgressSeconds ?? DEFAULTS.leaseSeconds) * 1000;
  const ttlMs = (options.ttlSeconds ?? DEFAULT_IDEMPOTENCY_TTL_SECONDS) * 1000;
  const checkHash = options.payloadHash ?? true;
  const keyOf = options.key ?? ((m: ReceivedMessage<any>) => m.id);

  /** Extends the claim every third of `inProgressSeconds` while the handler runs, as the bus extends the lease. */
  const keepClaim = (key: string, token: string, message: ReceivedMessage<any>): Timer => {
    let timer: Timer | undefined;
    let stopped = false;
    const schedule = () => {
      if (!stopped) timer = clock.setTimer(tick, Math.max(250, inProgressMs / 3));
    };
    const tick = () => {
      if (stopped) return;
      store.extend(key, token, clock.now() + inProgressMs).then(
        (kept) => {
          if (kept) return schedule();
          stopped = true;
          options.logger?.warn('idempotency claim lost while the handler runs; raise inProgressSeconds', {
            source: message.source,
            messageId: message.id,
          });
        },
        (error: unknown) => {
          options.logger?.warn('idempotency claim extension failed', {
            source: message.source,
            messageId: message.id,
            error: String(error),
          });
          schedule();
        },
      );
    };
    schedule();
    return {
      cancel() {
        stopped = true;
        timer?.cancel();
      },
    };
  };

  return (next) => async (message) => {
    let userKey: unknown;
    try {
      userKey = keyOf(message);
    } catch (cause) {
      throw new IdempotencyKeyError(`could not be computed: ${(cause as Error)?.message ?? String(cause)}`, {
        cause,
      });
    }
    assertIdempotencyKey(userKey);
    const key = idempotencyStoreKey(message.source, userKey);
    const hash = checkHash ? payloadHashOf(message.rawBody) : undefined;
    const outcome = await store.acquire(key, {
      payloadHash: hash,
      inProgressExpiresAt: clock.now() + inProgressMs,
    });

    if (outcome.status !== 'acquired') {
      if (hash !== undefined && outcome.payloadHash !== undefined && outcome.payloadHash !== hash) {
        throw new IdempotencyKeyReusedError(key, outcome.status, outcome.payloadHash, hash);
      }
      const report = () =>
        options.onDuplicate?.({
          source: message.source,
          messageId: message.id,
          attempt: message.attempt,
          key,
          status: outcome.status,
        });
      if (outcome.status === 'completed') {
        report();
        return parseResult(outcome.result);
      }
      const waitSeconds = Math.max(1, Math.ceil((outcome.expiresAt - clock.now()) / 1000));
      await message.delivery.release(waitSeconds);
      report();
      return undefined;
    }

    const heartbeat = keepClaim(key, outcome.token, message);
    let result: unknown;
    try {
      result = await next(message);
    } catch (error) {
      heartbeat.cancel();
      try {
        await store.release(key, outcome.token);
      } catch (releaseError) {
        options.logger?.warn('idempotency release failed; the key frees at its in-progress expiry', {
          source: message.source,
          messageId: message.id,
          error: String(releaseError),
        });
      }
      throw error;
    }
    heartbeat.cancel();
    try {
      const completed = await store.complete(key, outcome.token, {
        result: options.cacheResult ? serializeResult(result) : undefined,
        expiresAt: clock.now() + ttlMs,
      });
      if (!completed) {
        options.logger?.warn(
          'idempotency claim lapsed before the handler finished; raise inProgressSeconds',
          {
            source: message.source,
            messageId: message.id,
          },
        );
      }
    } catch (error) {
      // The effect happened: ack the message rather than run it again; the claim lapses at its expiry.
      options.logger?.warn('idempotency complete failed; the message is acked', {
        source: message.source,
        messageId: message.id,
        error: String(error),
      });
    }
    return result;
  };
}
