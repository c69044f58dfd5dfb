/**
 * The idempotency store on Azure Table storage (`@azure/data-tables`, loaded on first use). One entity per key;
 * every write is conditional: `acquire` inserts (the service refuses a second insert with 409), a takeover of an
 * expired record and every owner operation (`complete`, `extend`, `release`) replace or delete with the ETag of the
 * record they read (the service refuses with 412 when another writer came first), so exactly one of any number of
 * concurrent writers wins. Expiry follows the store's clock: Table storage has no TTL, so expired entities stay until
 * a later write replaces them, and every read treats them as absent.
 *
 * Entity: `PartitionKey` = the key (with the optional prefix), percent-encoded where Table keys forbid characters
 * (`/ \ # ?`, control characters, `%`), or `h-<sha256>` when that is over 512 characters; `RowKey` = `''`;
 * properties `k` (the key as given), `st` (`p` in progress / `c` completed), `tk` (owner token), `x` (expiry, epoch
 * ms), `h` (payload hash), `r0`…`rN` (the result in chunks of 32,000 UTF-16 code units: one string property holds at
 * most 64 KiB).
 *
 * @example
 * ```ts
 * import { azureTableIdempotencyStore } from 'omnibus/azure';
 * const store = azureTableIdempotencyStore({ connectionString: process.env.AZURE_TABLES_CONNECTION_STRING!, tableName: 'idempotency' });
 * await store.provision(); // creates the table when missing
 * bus.consume(billing, charge, { middleware: [idempotency({ store })] });
 * ```
 * @module
 */
import { createHash, randomUUID } from 'node:crypto';
import type { TableClient, TableEntityResult } from '@azure/data-tables';
import { type Clock, systemClock } from '../../core/clock.js';
import {
  ConfigurationError,
  LimitError,
  NotFoundError,
  type OmnibusError,
  TransportError,
} from '../../core/errors.js';
import { assertIdempotencyKey } from '../../core/idempotency/errors.js';
import type {
  AcquireOptions,
  AcquireOutcome,
  CompleteOptions,
  IdempotencyRecord,
  IdempotencyStore,
} from '../../core/idempotency/store.js';
import { isLoopbackHost, redactSecrets } from './connection-string.js';
import { errorCode, safeMessage, sanitizedCause } from './errors.js';

/**
 * Largest entity: 1 MiB, properties included (https://learn.microsoft.com/rest/api/storageservices/understanding-the-table-service-data-model).
 */
export const TABLE_MAX_ENTITY_BYTES = 1_048_576;

/** A string property holds at most 64 KiB: 32,768 UTF-16 code units (same page). */
export const TABLE_MAX_STRING_UNITS = 32_768;

/** Result chunk size, in UTF-16 code units (under {@link TABLE_MAX_STRING_UNITS}). */
export const RESULT_CHUNK_UNITS = 32_000;

/** Room kept for the entity's other properties (key up to 512 characters twice, token, hash, names, numbers). */
const ENTITY_OVERHEAD_BYTES = 16_384;

/** Largest serialized result the store accepts, in UTF-16 code units (2 bytes each in the entity). */
export const TABLE_MAX_RESULT_UNITS = Math.floor((TABLE_MAX_ENTITY_BYTES - ENTITY_OVERHEAD_BYTES) / 2);

/** Longest partition key the store writes before hashing (Table keys allow 1 KiB). */
const MAX_PARTITION_KEY_CHARS = 512;

/** Table names: 3–63 letters and digits, starting with a letter (https://learn.microsoft.com/rest/api/storageservices/understanding-the-table-service-data-model#table-names). */
const TABLE_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9]{2,62}$/;

/** Conditional writes retried at most this many times when they keep racing. */
const MAX_RACES = 8;

/** Options of {@link azureTableIdempotencyStore}. */
export interface AzureTableIdempotencyStoreOptions {
  /** The table (created by `provision()` when missing). */
  readonly tableName: string;
  /**
   * A storage connection string (`DefaultEndpointsProtocol=https;AccountName=…;AccountKey=…;…`, or Azurite's).
   * Plain HTTP is accepted only towards loopback hosts (Azurite). Ignored when `client` is given.
   */
  readonly connectionString?: string;
  /** A `TableClient` on the table to use (never closed by the store). */
  readonly client?: TableClient;
  /** Time source of every expiry decision. Default: the system clock. */
  readonly clock?: Clock;
  /** Prefix of every key, to share one table between services. Default none. */
  readonly keyPrefix?: string;
}

/** The Azure Table store: an {@link IdempotencyStore} that can also create its table. */
export interface AzureTableIdempotencyStore extends IdempotencyStore {
  readonly tableName: string;
  /** Creates the table when missing; harmless to call twice. */
  provision(): Promise<void>;
}

interface Stored {
  readonly status: 'in-progress' | 'completed';
  readonly token: string;
  readonly expiresAt: number;
  readonly payloadHash: string | undefined;
  readonly result: string | undefined;
  readonly etag: string;
}

/** `DefaultEndpointsProtocol=http` or an `http://` table endpoint: plain HTTP, allowed only towards loopback. */
function insecureHost(connectionString: string): { insecure: boolean; host: string | undefined } {
  const fields = new Map<string, string>();
  for (const part of connectionString.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim());
  }
  if ((fields.get('usedevelopmentstorage') ?? '').toLowerCase() === 'true') {
    return { insecure: true, host: '127.0.0.1' };
  }
  const endpoint = fields.get('tableendpoint');
  const protocol = (fields.get('defaultendpointsprotocol') ?? '').toLowerCase();
  let host: string | undefined;
  let http = protocol === 'http';
  if (endpoint) {
    try {
      const url = new URL(endpoint);
      host = url.hostname;
      http = url.protocol === 'http:';
    } catch {
      throw new ConfigurationError('connectionString', 'has a TableEndpoint that is not a URL');
    }
  }
  return { insecure: http, host };
}

/**
 * The partition key of an idempotency key: percent-encoded where Table keys forbid characters, or a hash when long.
 *
 * @example
 * ```ts
 * partitionKeyOf('billing:o/1'); // 'billing%3Ao%2F1'
 * ```
 */
export function partitionKeyOf(key: string): string {
  const encoded = encodeURIComponent(key);
  return encoded.length <= MAX_PARTITION_KEY_CHARS
    ? encoded
    : `h-${createHash('sha256').update(key, 'utf8').digest('hex')}`;
}

/**
 * Splits a result into chunks of at most {@link RESULT_CHUNK_UNITS} code units, never inside a surrogate pair.
 *
 * @example
 * ```ts
 * chunksOf('ab', 1); // ['a', 'b']
 * ```
 */
export function chunksOf(text: string, size = RESULT_CHUNK_UNITS): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    let end = Math.min(text.length, i + size);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end--; // keep the pair together
    out.push(text.slice(i, end));
    i = end;
  }
  return out;
}

/**
 * The Table service's error code: the SDK's `code`, the `x-ms-error-code` header, or the `odata.error` body (which is
 * all Azurite sends).
 *
 * @example
 * ```ts
 * tableErrorCode(error); // 'TableNotFound'
 * ```
 */
export function tableErrorCode(error: unknown): string {
  const e = error as {
    code?: unknown;
    response?: { headers?: { get?(name: string): string | undefined } };
  } | null;
  if (typeof e?.code === 'string' && e.code) return e.code;
  const header = e?.response?.headers?.get?.('x-ms-error-code');
  if (header) return header;
  const match = /"code"\s*:\s*"([A-Za-z]+)"/.exec(error instanceof Error ? error.message : String(error));
  return match?.[1] ?? errorCode(error);
}

function resultOf(entity: Record<string, unknown>): string | undefined {
  if (typeof entity.r0 !== 'string') return undefined;
  let out = '';
  for (let i = 0; typeof entity[`r${i}`] === 'string'; i++) out += entity[`r${i}`] as string;
  return out;
}

function storedOf(entity: TableEntityResult<Record<string, unknown>>): Stored {
  return {
    status: entity.st === 'c' ? 'completed' : 'in-progress',
    token: typeof entity.tk === 'string' ? entity.tk : '',
    expiresAt: Number(entity.x ?? 0),
    payloadHash: typeof entity.h === 'string' ? entity.h : undefined,
    result: resultOf(entity),
    etag: entity.etag,
  };
}

/**
 * Creates the Azure Table store. The SDK is loaded on first use.
 *
 * @example
 * ```ts
 * const store = azureTableIdempotencyStore({ connectionString, tableName: 'idempotency' });
 * const outcome = await store.acquire('billing:o-1', { inProgressExpiresAt: Date.now() + 30_000 });
 * ```
 */
export function azureTableIdempotencyStore(
  options: AzureTableIdempotencyStoreOptions,
): AzureTableIdempotencyStore {
  const { tableName } = options;
  if (typeof tableName !== 'string' || !TABLE_NAME_PATTERN.test(tableName)) {
    throw new ConfigurationError(
      'tableName',
      `"${String(tableName)}" must be 3–63 letters and digits, starting with a letter`,
    );
  }
  if (!options.client && !options.connectionString) {
    throw new ConfigurationError('connectionString', 'is required when no client is given');
  }
  const secrets: string[] = [];
  let allowInsecureConnection = false;
  if (!options.client && options.connectionString) {
    for (const part of options.connectionString.split(';')) {
      const eq = part.indexOf('=');
      const name = part.slice(0, eq).trim().toLowerCase();
      if (eq > 0 && (name === 'accountkey' || name === 'sharedaccesssignature'))
        secrets.push(part.slice(eq + 1).trim());
    }
    const { insecure, host } = insecureHost(options.connectionString);
    if (insecure) {
      if (!host || !isLoopbackHost(host)) {
        throw new ConfigurationError(
          'connectionString',
          `plain HTTP is accepted only for loopback hosts (Azurite); the table endpoint host is "${host ?? 'unknown'}"`,
        );
      }
      allowInsecureConnection = true;
    }
  }
  const clock = options.clock ?? systemClock;
  const prefix = options.keyPrefix ?? '';
  const entity = `Azure table "${tableName}"`;
  let clientPromise: Promise<TableClient> | undefined = options.client
    ? Promise.resolve(options.client)
    : undefined;
  let closed = false;

  const client = (): Promise<TableClient> => {
    if (closed) throw new ConfigurationError('azure table store', 'is closed');
    clientPromise ??= import('@azure/data-tables').then((m) => {
      try {
        return m.TableClient.fromConnectionString(options.connectionString as string, tableName, {
          allowInsecureConnection,
        });
      } catch (error) {
        throw new ConfigurationError('connectionString', safeMessage(error, secrets), {
          cause: sanitizedCause(error, secrets),
        });
      }
    });
    return clientPromise;
  };

  const mapError = (error: unknown, operation: string): OmnibusError => {
    const code = tableErrorCode(error);
    const status = (error as { statusCode?: unknown })?.statusCode;
    const cause = sanitizedCause(error, secrets);
    if (code === 'TableNotFound' || (status === 404 && code !== 'ResourceNotFound')) {
      return new NotFoundError(entity, { cause });
    }
    if (status === 401 || status === 403 || code === 'AuthenticationFailed') {
      return new ConfigurationError('connectionString', `${operation} on ${entity} was refused`, { cause });
    }
    return new TransportError(
      'azure',
      `${operation} on ${entity} failed: ${code}: ${redactSecrets(safeMessage(error, secrets), secrets)}`,
      { cause, retryable: typeof status !== 'number' || status >= 500 || status === 429 || status === 408 },
    );
  };
  const statusOf = (error: unknown) => (error as { statusCode?: unknown })?.statusCode;
  /** True when a 404 means "no such entity" rather than "no such table". */
  const entityMissing = (error: unknown) =>
    statusOf(error) === 404 && tableErrorCode(error) !== 'TableNotFound';

  const keyOf = (key: string) => {
    assertIdempotencyKey(key);
    return { partitionKey: partitionKeyOf(prefix + key), rowKey: '' };
  };

  const read = async (key: string): Promise<Stored | undefined> => {
    const c = await client();
    const { partitionKey, rowKey } = keyOf(key);
    try {
      const e = await c.getEntity<Record<string, unknown>>(partitionKey, rowKey);
      return storedOf(e);
    } catch (error) {
      if (entityMissing(error)) return undefined;
      throw mapError(error, 'getEntity');
    }
  };

  const live = (s: Stored | undefined): Stored | undefined =>
    s && s.expiresAt > clock.now() ? s : undefined;

  const entityOf = (
    key: string,
    fields: { st: 'p' | 'c'; tk: string; x: number; h?: string | undefined; result?: string | undefined },
  ) => {
    const e: Record<string, unknown> = {
      ...keyOf(key),
      k: prefix + key,
      st: fields.st,
      tk: fields.tk,
      x: fields.x,
    };
    if (fields.h !== undefined) e.h = fields.h;
    if (fields.result !== undefined) {
      for (const [i, chunk] of chunksOf(fields.result).entries()) e[`r${i}`] = chunk;
    }
    return e as { partitionKey: string; rowKey: string } & Record<string, unknown>;
  };

  /** Replaces (or deletes) the owner's live in-progress record, retrying when another write raced it. */
  const asOwner = async (
    key: string,
    token: string,
    operation: string,
    write: (c: TableClient, current: Stored) => Promise<unknown>,
  ): Promise<boolean> => {
    const c = await client();
    for (let attempt = 0; attempt < MAX_RACES; attempt++) {
      const current = live(await read(key));
      if (current?.status !== 'in-progress' || current.token !== token) return false;
      try {
        await write(c, current);
        return true;
      } catch (error) {
        const status = statusOf(error);
        if (status === 412) continue; // changed since read: look again
        if (entityMissing(error)) return false;
        throw mapError(error, operation);
      }
    }
    throw new TransportError('azure', `${operation} on ${entity} kept racing with other writers; try again`);
  };

  const store: AzureTableIdempotencyStore = {
    tableName,

    async acquire(key: string, acquireOptions: AcquireOptions): Promise<AcquireOutcome> {
      const c = await client();
      const token = randomUUID();
      const fresh = entityOf(key, {
        st: 'p',
        tk: token,
        x: acquireOptions.inProgressExpiresAt,
        h: acquireOptions.payloadHash,
      });
      for (let attempt = 0; attempt < MAX_RACES; attempt++) {
        try {
          await c.createEntity(fresh);
          return { status: 'acquired', token };
        } catch (error) {
          if (statusOf(error) !== 409) throw mapError(error, 'createEntity');
        }
        const current = await read(key);
        if (!current) continue; // deleted since the insert failed: insert again
        if (current.expiresAt > clock.now()) {
          return current.status === 'completed'
            ? {
                status: 'completed',
                expiresAt: current.expiresAt,
                result: current.result,
                payloadHash: current.payloadHash,
              }
            : { status: 'in-progress', expiresAt: current.expiresAt, payloadHash: current.payloadHash };
        }
        // Expired: take it over, only if nobody changed it since we read it.
        try {
          await c.updateEntity(fresh, 'Replace', { etag: current.etag });
          return { status: 'acquired', token };
        } catch (error) {
          if (statusOf(error) !== 412 && !entityMissing(error)) throw mapError(error, 'updateEntity');
        }
      }
      throw new TransportError('azure', `acquire on ${entity} kept racing with other writers; try again`);
    },

    async complete(key: string, token: string, completeOptions: CompleteOptions): Promise<boolean> {
      const result = completeOptions.result;
      if (result !== undefined && result.length > TABLE_MAX_RESULT_UNITS) {
        throw new LimitError(
          'idempotency result',
          result.length,
          TABLE_MAX_RESULT_UNITS,
          'azure (Table entity)',
          'characters',
        );
      }
      return asOwner(key, token, 'updateEntity', (c, current) =>
        c.updateEntity(
          entityOf(key, { st: 'c', tk: token, x: completeOptions.expiresAt, h: current.payloadHash, result }),
          'Replace',
          { etag: current.etag },
        ),
      );
    },

    async extend(key: string, token: string, inProgressExpiresAt: number): Promise<boolean> {
      return asOwner(key, token, 'updateEntity', (c, current) =>
        c.updateEntity({ ...keyOf(key), x: inProgressExpiresAt }, 'Merge', { etag: current.etag }),
      );
    },

    async release(key: string, token: string): Promise<boolean> {
      const { partitionKey, rowKey } = keyOf(key);
      return asOwner(key, token, 'deleteEntity', (c, current) =>
        c.deleteEntity(partitionKey, rowKey, { etag: current.etag }),
      );
    },

    async get(key: string): Promise<IdempotencyRecord | undefined> {
      const current = live(await read(key));
      if (!current) return undefined;
      return {
        status: current.status,
        expiresAt: current.expiresAt,
        payloadHash: current.payloadHash,
        result: current.result,
      };
    },

    async provision(): Promise<void> {
      const c = await client();
      try {
        await c.createTable();
      } catch (error) {
        if (statusOf(error) !== 409) throw mapError(error, 'createTable');
      }
    },

    async close(): Promise<void> {
      closed = true;
    },
  };
  return store;
}
