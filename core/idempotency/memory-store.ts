/**
 * The in-process idempotency store: a map guarded by the single-threaded event loop (every method checks and
 * writes without awaiting in between, so `acquire` is atomic). Good for tests, the memory twin and single-process
 * services; use Redis or a cloud store when several processes consume the same source.
 *
 * @example
 * ```ts
 * const store = memoryIdempotencyStore({ clock: virtualClock });
 * bus.consume(billing, charge, { middleware: [idempotency({ store, clock: virtualClock })] });
 * ```
 * @module
 */
import { randomUUID } from 'node:crypto';
import { type Clock, systemClock } from '../clock.js';
import { ConfigurationError } from '../errors.js';
import type {
  AcquireOptions,
  AcquireOutcome,
  CompleteOptions,
  IdempotencyRecord,
  IdempotencyStore,
} from './store.js';

/** Options of {@link memoryIdempotencyStore}. */
export interface MemoryIdempotencyStoreOptions {
  /** Time source (the virtual clock in tests). Default: the system clock. */
  readonly clock?: Clock;
  /** Most records kept; the oldest are dropped first when full (default 100,000). */
  readonly maxRecords?: number;
  /** Owner-token source (tests make it deterministic). Default: random UUIDs. */
  readonly token?: () => string;
}

interface StoredRecord extends IdempotencyRecord {
  readonly token: string;
}

/** Records checked for expiry per write. */
const SWEEP_STEP = 2;

/**
 * Creates an in-memory {@link IdempotencyStore}.
 *
 * @example
 * ```ts
 * const store = memoryIdempotencyStore();
 * await store.acquire('k', { inProgressExpiresAt: Date.now() + 30_000 }); // { status: 'acquired', token }
 * ```
 */
export function memoryIdempotencyStore(options: MemoryIdempotencyStoreOptions = {}): IdempotencyStore {
  const clock = options.clock ?? systemClock;
  const maxRecords = options.maxRecords ?? 100_000;
  if (!Number.isInteger(maxRecords) || maxRecords < 1) {
    throw new ConfigurationError('maxRecords', `must be a positive integer, got ${String(maxRecords)}`);
  }
  const newToken = options.token ?? randomUUID;
  const records = new Map<string, StoredRecord>();

  const live = (key: string): StoredRecord | undefined => {
    const record = records.get(key);
    if (record === undefined) return undefined;
    if (record.expiresAt <= clock.now()) {
      records.delete(key);
      return undefined;
    }
    return record;
  };

  // One long-lived iterator per pass, for eviction and sweeping: V8 leaves deleted Map entries as holes until it
  // rehashes, so `records.keys().next()` from the start skips every hole on each call (quadratic once full). A
  // live iterator only moves forward, so each entry is passed once per pass.
  let oldest: Iterator<string> = records.keys();
  let sweeper: Iterator<[string, StoredRecord]> = records.entries();

  const nextOldest = (): string | undefined => {
    let step = oldest.next();
    if (step.done) {
      oldest = records.keys();
      step = oldest.next();
    }
    return step.done ? undefined : step.value;
  };

  /** Checks a few records per write for expiry (every record once per `records.size / SWEEP_STEP` writes). */
  const sweepSome = (now: number): void => {
    for (let i = 0; i < SWEEP_STEP; i++) {
      let step = sweeper.next();
      if (step.done) {
        sweeper = records.entries();
        step = sweeper.next();
        if (step.done) return;
      }
      const [k, r] = step.value;
      if (r.expiresAt <= now) records.delete(k);
    }
  };

  const write = (key: string, record: StoredRecord): void => {
    records.delete(key); // re-insert so map order is write order (oldest first)
    records.set(key, record);
    sweepSome(clock.now());
    while (records.size > maxRecords) {
      const key = nextOldest();
      if (key === undefined) break;
      records.delete(key);
    }
  };

  return {
    async acquire(key: string, opts: AcquireOptions): Promise<AcquireOutcome> {
      const existing = live(key);
      if (existing?.status === 'in-progress') {
        return { status: 'in-progress', expiresAt: existing.expiresAt, payloadHash: existing.payloadHash };
      }
      if (existing?.status === 'completed') {
        return {
          status: 'completed',
          expiresAt: existing.expiresAt,
          result: existing.result,
          payloadHash: existing.payloadHash,
        };
      }
      const token = newToken();
      write(key, {
        status: 'in-progress',
        token,
        expiresAt: opts.inProgressExpiresAt,
        payloadHash: opts.payloadHash,
        result: undefined,
      });
      return { status: 'acquired', token };
    },
    async complete(key: string, token: string, opts: CompleteOptions): Promise<boolean> {
      const existing = live(key);
      if (existing?.status !== 'in-progress' || existing.token !== token) return false;
      write(key, {
        status: 'completed',
        token,
        expiresAt: opts.expiresAt,
        payloadHash: existing.payloadHash,
        result: opts.result,
      });
      return true;
    },
    async extend(key: string, token: string, inProgressExpiresAt: number): Promise<boolean> {
      const existing = live(key);
      if (existing?.status !== 'in-progress' || existing.token !== token) return false;
      write(key, { ...existing, expiresAt: inProgressExpiresAt });
      return true;
    },
    async release(key: string, token: string): Promise<boolean> {
      const existing = live(key);
      if (existing?.status !== 'in-progress' || existing.token !== token) return false;
      records.delete(key);
      return true;
    },
    async get(key: string): Promise<IdempotencyRecord | undefined> {
      const existing = live(key);
      if (existing === undefined) return undefined;
      return {
        status: existing.status,
        expiresAt: existing.expiresAt,
        payloadHash: existing.payloadHash,
        result: existing.result,
      };
    },
    async close(): Promise<void> {
      records.clear();
    },
  };
}
