/**
 * The Firestore idempotency store (`@google-cloud/firestore`, imported lazily on first use). One document per key
 * in one collection (default `omnibus-idempotency`); the document id is the SHA-256 of the key (keys may hold `/`
 * and run to 512 characters, document ids may not), and the key itself is kept in the document.
 *
 * Every state change is one atomic conditional write, decided from a read and the injected clock (a record whose
 * expiry is at or before `clock.now()` counts as absent):
 * - a fresh key is claimed with `create` (insert-if-absent: of any number of racing clients exactly one succeeds);
 * - an expired record is taken over, and `complete` / `extend` / `release` change the owner's record, with
 *   `update` / `delete` preconditioned on the update time of the document that was read (compare-and-set): if anyone
 *   wrote in between, the write fails and the operation reads and decides again.
 * This is Firestore's optimistic transaction reduced to its one document, without `runTransaction`: under
 * contention the client's transactions back off a second or more per conflict (its `ExponentialBackoff` starts at
 * 1,000 ms), which made racing consumers wait for seconds; a failed precondition costs one more read instead.
 *
 * Each document also carries `ttl` (a Timestamp of its expiry): add a Firestore TTL policy on that field to have
 * expired records deleted (Firestore deletes them within days; reads never depend on it). A cached result must fit
 * in a Firestore document (1 MiB in all).
 *
 * @example
 * ```ts
 * import { firestoreIdempotencyStore } from 'omnibus/gcp';
 * const store = firestoreIdempotencyStore({ settings: { projectId: 'my-project' } });
 * bus.consume(billing, charge, { middleware: [idempotency({ store })] });
 * ```
 * @module
 */
import { createHash, randomUUID } from 'node:crypto';
import type { DocumentReference, DocumentSnapshot, Firestore, Settings } from '@google-cloud/firestore';
import { type Clock, systemClock } from '../../core/clock.js';
import { ConfigurationError, TransportError } from '../../core/errors.js';
import type {
  AcquireOptions,
  AcquireOutcome,
  CompleteOptions,
  IdempotencyRecord,
  IdempotencyStore,
} from '../../core/idempotency/store.js';
import { GrpcCode, grpcCode, toOmnibusError } from './errors.js';
import { GCP_PROVIDER } from './limits.js';

/** Default collection of the store's documents. */
export const DEFAULT_IDEMPOTENCY_COLLECTION = 'omnibus-idempotency';
/** Default number of read-and-write rounds one operation tries before reporting contention. */
export const DEFAULT_MAX_CONFLICT_RETRIES = 50;

/** Options of {@link firestoreIdempotencyStore}. */
export interface FirestoreIdempotencyStoreOptions {
  /** A Firestore client you own (never closed by the store). Without it the store creates one from `settings`. */
  readonly firestore?: Firestore;
  /**
   * Settings of the client the store creates (project id, credentials …). `FIRESTORE_EMULATOR_HOST` is honoured
   * by the client itself.
   */
  readonly settings?: Settings;
  /** Collection of the store's documents (default {@link DEFAULT_IDEMPOTENCY_COLLECTION}). */
  readonly collection?: string;
  /** Time source of every expiry decision. Default: the system clock. */
  readonly clock?: Clock;
  /** Rounds per operation when other writers keep winning (default {@link DEFAULT_MAX_CONFLICT_RETRIES}). */
  readonly maxConflictRetries?: number;
}

/** The stored document. */
interface StoredDoc {
  readonly key: string;
  readonly status: 'in-progress' | 'completed';
  readonly token: string;
  /** Epoch ms. */
  readonly expiresAt: number;
  readonly payloadHash: string | null;
  readonly result: string | null;
  /** For a Firestore TTL policy only. */
  readonly ttl: Date;
}

function asStored(snap: DocumentSnapshot): StoredDoc | undefined {
  if (!snap.exists) return undefined;
  const d = snap.data() as Partial<StoredDoc> | undefined;
  if (!d || (d.status !== 'in-progress' && d.status !== 'completed') || typeof d.expiresAt !== 'number') {
    return undefined;
  }
  return d as StoredDoc;
}

function toRecord(d: StoredDoc): IdempotencyRecord {
  return {
    status: d.status,
    expiresAt: d.expiresAt,
    payloadHash: d.payloadHash ?? undefined,
    result: d.result ?? undefined,
  };
}

/** A conditional write lost to another writer: read and decide again. */
const CONFLICT = Symbol('conflict');

/** Codes of a lost compare-and-set: the document was created, changed or deleted since it was read. */
const LOST: ReadonlySet<number> = new Set([
  GrpcCode.ALREADY_EXISTS,
  GrpcCode.FAILED_PRECONDITION,
  GrpcCode.NOT_FOUND,
]);

/**
 * Creates a Firestore {@link IdempotencyStore}; see the module notes.
 *
 * @example
 * ```ts
 * const store = firestoreIdempotencyStore({ settings: { projectId: 'demo', host: '127.0.0.1:8080', ssl: false } });
 * ```
 */
export function firestoreIdempotencyStore(options: FirestoreIdempotencyStoreOptions = {}): IdempotencyStore {
  const clock = options.clock ?? systemClock;
  const collection = options.collection ?? DEFAULT_IDEMPOTENCY_COLLECTION;
  const maxRounds = options.maxConflictRetries ?? DEFAULT_MAX_CONFLICT_RETRIES;
  if (!Number.isInteger(maxRounds) || maxRounds < 1) {
    throw new ConfigurationError(
      'maxConflictRetries',
      `must be a positive integer, got ${String(maxRounds)}`,
    );
  }
  if (collection === '' || collection.includes('/')) {
    throw new ConfigurationError('collection', `must be a collection id without "/", got "${collection}"`);
  }
  let client: Promise<Firestore> | undefined;
  let closed = false;
  const entity = `idempotency collection "${collection}"`;

  const db = (): Promise<Firestore> => {
    if (closed) return Promise.reject(new ConfigurationError('store', 'the Firestore store is closed'));
    if (options.firestore) return Promise.resolve(options.firestore);
    client ??= import('@google-cloud/firestore').then((mod) => new mod.Firestore(options.settings ?? {}));
    return client;
  };

  const docOf = async (key: string): Promise<DocumentReference> =>
    (await db()).collection(collection).doc(createHash('sha256').update(key, 'utf8').digest('hex'));

  /** A conditional write: resolves, or returns CONFLICT when another writer got there first. */
  const attempt = async (write: () => Promise<unknown>): Promise<typeof CONFLICT | undefined> => {
    try {
      await write();
      return undefined;
    } catch (error) {
      const code = grpcCode(error);
      if (code !== undefined && LOST.has(code)) return CONFLICT;
      throw error;
    }
  };

  /**
   * Reads `key`'s document and lets `decide` act on it (the live record, or undefined); `decide` returns its
   * answer, or CONFLICT to read again. Errors become typed errors.
   */
  const run = async <T>(
    operation: string,
    key: string,
    decide: (
      ref: DocumentReference,
      snap: DocumentSnapshot,
      live: StoredDoc | undefined,
    ) => Promise<T | typeof CONFLICT>,
  ): Promise<T> => {
    try {
      const ref = await docOf(key);
      for (let round = 0; round < maxRounds; round++) {
        const snap = await ref.get();
        const stored = asStored(snap);
        const live = stored && stored.expiresAt > clock.now() ? stored : undefined;
        const answer = await decide(ref, snap, live);
        if (answer !== CONFLICT) return answer;
        await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(100, 5 * (round + 1))));
      }
    } catch (error) {
      throw toOmnibusError(error, `firestore ${operation}`, entity);
    }
    throw new TransportError(
      GCP_PROVIDER,
      `firestore ${operation} on ${entity}: other writers kept changing the record (${maxRounds} rounds)`,
      { retryable: true },
    );
  };

  const owned = (live: StoredDoc | undefined, token: string): live is StoredDoc =>
    live?.status === 'in-progress' && live.token === token;

  const since = (snap: DocumentSnapshot) => ({ lastUpdateTime: snap.updateTime! });

  return {
    acquire(key: string, opts: AcquireOptions): Promise<AcquireOutcome> {
      return run('acquire', key, async (ref, snap, live): Promise<AcquireOutcome | typeof CONFLICT> => {
        if (live?.status === 'in-progress') {
          return {
            status: 'in-progress',
            expiresAt: live.expiresAt,
            payloadHash: live.payloadHash ?? undefined,
          };
        }
        if (live?.status === 'completed') {
          return {
            status: 'completed',
            expiresAt: live.expiresAt,
            result: live.result ?? undefined,
            payloadHash: live.payloadHash ?? undefined,
          };
        }
        const token = randomUUID();
        const doc: StoredDoc = {
          key,
          status: 'in-progress',
          token,
          expiresAt: opts.inProgressExpiresAt,
          payloadHash: opts.payloadHash ?? null,
          result: null,
          ttl: new Date(opts.inProgressExpiresAt),
        };
        // Absent: insert-if-absent. Expired: replace it only if nobody wrote since we read it.
        const lost = await attempt(() =>
          snap.exists ? ref.update({ ...doc }, since(snap)) : ref.create(doc),
        );
        return lost ?? { status: 'acquired', token };
      });
    },

    complete(key: string, token: string, opts: CompleteOptions): Promise<boolean> {
      return run('complete', key, async (ref, snap, live) => {
        if (!owned(live, token)) return false;
        const lost = await attempt(() =>
          ref.update(
            {
              status: 'completed',
              expiresAt: opts.expiresAt,
              result: opts.result ?? null,
              ttl: new Date(opts.expiresAt),
            },
            since(snap),
          ),
        );
        return lost ?? true;
      });
    },

    extend(key: string, token: string, inProgressExpiresAt: number): Promise<boolean> {
      return run('extend', key, async (ref, snap, live) => {
        if (!owned(live, token)) return false;
        const lost = await attempt(() =>
          ref.update({ expiresAt: inProgressExpiresAt, ttl: new Date(inProgressExpiresAt) }, since(snap)),
        );
        return lost ?? true;
      });
    },

    release(key: string, token: string): Promise<boolean> {
      return run('release', key, async (ref, snap, live) => {
        if (!owned(live, token)) return false;
        const lost = await attempt(() => ref.delete(since(snap)));
        return lost ?? true;
      });
    },

    async get(key: string): Promise<IdempotencyRecord | undefined> {
      try {
        const stored = asStored(await (await docOf(key)).get());
        return stored && stored.expiresAt > clock.now() ? toRecord(stored) : undefined;
      } catch (error) {
        throw toOmnibusError(error, 'firestore get', entity);
      }
    },

    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      const mine = client;
      client = undefined;
      if (mine) await (await mine).terminate();
    },
  };
}
