/**
 * The idempotency store interface: five methods every store implements (memory, Redis, DynamoDB, Firestore, Azure
 * Table). A record moves `in-progress` → `completed`; a failed handler deletes it so a retry can run.
 *
 * Rules every store follows (the store conformance suite checks each one):
 * - Time comes from the store's injected {@link Clock}; a record whose expiry is at or before `clock.now()` is
 *   treated as absent by every method, whatever the database's own TTL has or has not deleted yet.
 * - `acquire` is atomic: of any number of concurrent callers on one key (fresh, or expired), exactly one gets
 *   `acquired`.
 * - `complete`, `extend` and `release` take the owner token `acquire` returned and do nothing (returning false) when the
 *   record is no longer theirs, e.g. after another consumer took over an expired in-progress record.
 *
 * @example
 * ```ts
 * const outcome = await store.acquire('billing:m-1', { inProgressExpiresAt: clock.now() + 30_000 });
 * if (outcome.status === 'acquired') {
 *   const result = await charge();
 *   await store.complete('billing:m-1', outcome.token, { result: JSON.stringify(result), expiresAt: tomorrow });
 * }
 * ```
 * @module
 */

/** Options of {@link IdempotencyStore.acquire}. */
export interface AcquireOptions {
  /** Hash of the payload, kept on the record so a reused key with a different body can be detected. */
  readonly payloadHash?: string | undefined;
  /** Epoch milliseconds after which an unfinished record may be taken over (a crashed consumer's key). */
  readonly inProgressExpiresAt: number;
}

/** Options of {@link IdempotencyStore.complete}. */
export interface CompleteOptions {
  /** The handler's result, already serialized (JSON text); omitted when results are not cached. */
  readonly result?: string | undefined;
  /** Epoch milliseconds after which the completed record is forgotten and the key can run again. */
  readonly expiresAt: number;
}

/** What `acquire` found. */
export type AcquireOutcome =
  /** The caller owns the key now and must `complete` or `release` it with `token`. */
  | { readonly status: 'acquired'; readonly token: string }
  /** Another consumer holds the key until `expiresAt` (epoch ms). */
  | { readonly status: 'in-progress'; readonly expiresAt: number; readonly payloadHash: string | undefined }
  /** The key already ran; `result` is the cached result (serialized) when one was stored. */
  | {
      readonly status: 'completed';
      readonly expiresAt: number;
      readonly result: string | undefined;
      readonly payloadHash: string | undefined;
    };

/** A stored record, as `get` returns it. */
export interface IdempotencyRecord {
  readonly status: 'in-progress' | 'completed';
  /** In-progress expiry for `in-progress`, record expiry for `completed` (epoch ms). */
  readonly expiresAt: number;
  readonly payloadHash: string | undefined;
  readonly result: string | undefined;
}

/**
 * An idempotency store.
 *
 * @example
 * ```ts
 * const store: IdempotencyStore = memoryIdempotencyStore();
 * const bus = createBus({ adapter, middleware: [idempotency({ store })] });
 * ```
 */
export interface IdempotencyStore {
  /** Claims `key`, takes over an expired record, or reports the live record that holds it. Atomic. */
  acquire(key: string, options: AcquireOptions): Promise<AcquireOutcome>;
  /** Marks the owner's record completed; false (and no change) when `token` no longer owns the key. */
  complete(key: string, token: string, options: CompleteOptions): Promise<boolean>;
  /**
   * Moves the owner's in-progress expiry to `inProgressExpiresAt` (a heartbeat while a long handler runs, as the
   * bus extends the lease); false (and no change) when `token` no longer owns a live in-progress record.
   */
  extend(key: string, token: string, inProgressExpiresAt: number): Promise<boolean>;
  /** Deletes the owner's record so a retry can run; false (and no change) when `token` no longer owns it. */
  release(key: string, token: string): Promise<boolean>;
  /** The live record of `key`, or undefined when there is none (or it has expired). */
  get(key: string): Promise<IdempotencyRecord | undefined>;
  /** Releases connections the store opened itself (never a client the caller passed in). */
  close?(): Promise<void>;
}
