/**
 * Service Bus SDK errors mapped to Omnibus's typed errors: a missing entity is a {@link NotFoundError}; an oversize
 * message a {@link LimitError}; a lost message or session lock an {@link OmnibusError} with code `LEASE_LOST`
 * (not retryable: someone else may have the message now); busy, timeout, general and network failures a retryable
 * {@link TransportError}; bad credentials a {@link ConfigurationError}; anything else a non-retryable
 * {@link ServiceBusRequestError}. Messages name the operation and entity and are redacted: never a key, a
 * signature or a body.
 *
 * @example
 * ```ts
 * try { await sender.sendMessages(batch); } catch (e) { throw toOmnibusError(e, 'send', 'queue "billing"'); }
 * ```
 * @module
 */
import {
  ConfigurationError,
  LimitError,
  NotFoundError,
  OmnibusError,
  type OmnibusErrorOptions,
  TransportError,
} from '../../core/errors.js';
import { redactSecrets } from './connection-string.js';

/** Code of the error raised when a lock (message or session) was lost; the same code as the memory twin's. */
export const LEASE_LOST = 'LEASE_LOST';

/**
 * A request Service Bus refused for a reason retrying will not fix (entity disabled, bad argument, …).
 *
 * @example
 * ```ts
 * if (ServiceBusRequestError.isInstance(err)) console.log(err.serviceBusCode, err.operation);
 * ```
 */
export class ServiceBusRequestError extends OmnibusError {
  static readonly code = 'AZURE_REQUEST_FAILED';
  /** The SDK's error code, e.g. `MessagingEntityDisabled`, or an HTTP status for administration calls. */
  readonly serviceBusCode: string;
  /** The operation, e.g. `send`, `createQueue`. */
  readonly operation: string;
  constructor(operation: string, serviceBusCode: string, message: string, options: OmnibusErrorOptions = {}) {
    super(ServiceBusRequestError.code, `azure: ${operation} failed: ${serviceBusCode}: ${message}`, {
      retryable: false,
      ...options,
    });
    this.serviceBusCode = serviceBusCode;
    this.operation = operation;
  }
  static override isInstance(value: unknown): value is ServiceBusRequestError {
    return OmnibusError.isInstance(value) && value.code === ServiceBusRequestError.code;
  }
}

const TRANSIENT = new Set([
  'ServiceBusy',
  'ServiceTimeout',
  'GeneralError',
  'ServiceCommunicationProblem',
  'SessionCannotBeLocked',
  'QuotaExceeded',
  'OperationTimeoutError',
  'ConnectionForcedError',
  'ConnectionLostError',
]);

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ESOCKETTIMEDOUT',
]);

interface ErrorShape {
  name?: unknown;
  code?: unknown;
  statusCode?: unknown;
  message?: unknown;
  retryable?: unknown;
}

/**
 * The error's message with every secret removed.
 *
 * @example
 * ```ts
 * safeMessage(new Error('SharedAccessKey=abc'), []); // 'SharedAccessKey=***'
 * ```
 */
export function safeMessage(error: unknown, secrets: readonly string[] = []): string {
  const raw = error instanceof Error ? error.message : String(error);
  return redactSecrets(raw, secrets).slice(0, 2_000);
}

/**
 * A copy of an SDK error that is safe to keep as a `cause`: name, code and redacted message only (the SDK's error
 * objects can hold connection details).
 *
 * @example
 * ```ts
 * new TransportError('azure', 'send failed', { cause: sanitizedCause(err, secrets) });
 * ```
 */
export function sanitizedCause(error: unknown, secrets: readonly string[] = []): Error {
  const e = (error ?? {}) as ErrorShape;
  const copy = new Error(safeMessage(error, secrets));
  copy.name = typeof e.name === 'string' ? e.name : 'Error';
  if (typeof e.code === 'string' || typeof e.code === 'number') (copy as { code?: unknown }).code = e.code;
  return copy;
}

/**
 * The SDK's code of an error (`ServiceBusError.code`, a Node system error code, or an HTTP status).
 *
 * @example
 * ```ts
 * errorCode({ code: 'ServiceBusy' }); // 'ServiceBusy'
 * ```
 */
export function errorCode(error: unknown): string {
  const e = (error ?? {}) as ErrorShape;
  if (typeof e.code === 'string' && e.code) return e.code;
  if (typeof e.statusCode === 'number') return String(e.statusCode);
  if (typeof e.name === 'string' && e.name) return e.name;
  return 'Unknown';
}

/** Options of {@link toOmnibusError}. */
export interface MapErrorOptions {
  /** Secrets to strip from messages (the connection string's key). */
  readonly secrets?: readonly string[];
  /** Size numbers for a `MessageSizeExceeded` (the message's size and the link's limit). */
  readonly size?: { readonly actual: number; readonly limit: number };
}

/**
 * Maps an SDK error to an Omnibus error; an Omnibus error is returned as is.
 *
 * @example
 * ```ts
 * toOmnibusError({ name: 'ServiceBusError', code: 'MessagingEntityNotFound', message: '…' }, 'send', 'queue "x"');
 * // NotFoundError: queue "x" does not exist (create it with bus.provision())
 * ```
 */
export function toOmnibusError(
  error: unknown,
  operation: string,
  entity: string,
  options: MapErrorOptions = {},
): OmnibusError {
  if (OmnibusError.isInstance(error)) return error;
  const secrets = options.secrets ?? [];
  const code = errorCode(error);
  const message = safeMessage(error, secrets);
  const cause = sanitizedCause(error, secrets);
  if (code === 'MessagingEntityNotFound' || code === '404' || code === 'MessageNotFound') {
    if (code === 'MessageNotFound') {
      return new ServiceBusRequestError(operation, code, `${entity}: ${message}`, { cause });
    }
    return new NotFoundError(entity, { cause });
  }
  if (code === 'MessageSizeExceeded') {
    const size = options.size;
    if (size) return new LimitError(`body (${entity})`, size.actual, size.limit, 'azure');
    return new ServiceBusRequestError(operation, code, `${entity}: ${message}`, { cause });
  }
  if (code === 'MessageLockLost' || code === 'SessionLockLost') {
    return new OmnibusError(
      LEASE_LOST,
      `azure: ${operation} on ${entity}: the ${code === 'SessionLockLost' ? 'session' : 'message'} lock was lost ` +
        '(it expired or the link closed); the message will be redelivered',
      { retryable: false, cause },
    );
  }
  if (code === 'UnauthorizedAccess' || code === '401' || code === '403') {
    return new ConfigurationError('connectionString', `${operation} on ${entity} was refused: ${message}`, {
      cause,
    });
  }
  if (
    TRANSIENT.has(code) ||
    NETWORK_CODES.has(code) ||
    /^5\d\d$/.test(code) ||
    code === '429' ||
    (error as ErrorShape | null)?.retryable === true
  ) {
    return new TransportError('azure', `${operation} on ${entity} failed: ${code}: ${message}`, { cause });
  }
  if (code === 'AbortError') {
    return new TransportError('azure', `${operation} on ${entity} was aborted`, { cause });
  }
  return new ServiceBusRequestError(operation, code, `${entity}: ${message}`, { cause });
}
