/**
 * Maps Pub/Sub (gRPC) errors to Omnibus's typed errors: NOT_FOUND → {@link NotFoundError}; PERMISSION_DENIED and
 * UNAUTHENTICATED → {@link ConfigurationError}; transient codes (UNAVAILABLE, DEADLINE_EXCEEDED,
 * RESOURCE_EXHAUSTED, ABORTED, INTERNAL, UNKNOWN, CANCELLED) and errors without a code (network) → retryable
 * {@link TransportError}; anything else → non-retryable TransportError. Messages carry the operation, the gRPC code
 * name and the service's details, never a message body.
 *
 * @example
 * ```ts
 * try { await client.acknowledge(req); } catch (e) { throw toOmnibusError(e, 'acknowledge', 'subscription "s"'); }
 * ```
 * @module
 */
import { ConfigurationError, NotFoundError, OmnibusError, TransportError } from '../../core/errors.js';
import { GCP_PROVIDER } from './limits.js';

/** gRPC status codes (grpc/status.proto). */
export const GrpcCode = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

const NAMES = new Map<number, string>(Object.entries(GrpcCode).map(([name, code]) => [code, name]));

/** Codes worth retrying: the service or the network may answer differently next time. */
const RETRYABLE: ReadonlySet<number> = new Set([
  GrpcCode.CANCELLED,
  GrpcCode.UNKNOWN,
  GrpcCode.DEADLINE_EXCEEDED,
  GrpcCode.RESOURCE_EXHAUSTED,
  GrpcCode.ABORTED,
  GrpcCode.INTERNAL,
  GrpcCode.UNAVAILABLE,
]);

/**
 * The gRPC status code of an error, if it has one.
 *
 * @example
 * ```ts
 * grpcCode({ code: 5 }); // 5
 * ```
 */
export function grpcCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/**
 * True when a gRPC error is transient (see the module notes).
 *
 * @example
 * ```ts
 * isRetryableGrpc({ code: 14 }); // true (UNAVAILABLE)
 * ```
 */
export function isRetryableGrpc(error: unknown): boolean {
  const code = grpcCode(error);
  return code === undefined || RETRYABLE.has(code);
}

function detailsOf(error: unknown): string {
  const e = error as { details?: unknown; message?: unknown } | null;
  if (typeof e?.details === 'string' && e.details !== '') return e.details;
  if (typeof e?.message === 'string') return e.message;
  return String(error);
}

/**
 * Converts any error from the Pub/Sub client into an Omnibus error; Omnibus errors pass through unchanged.
 *
 * @example
 * ```ts
 * toOmnibusError({ code: 5, details: 'Topic not found' }, 'publish', 'topic "billing"'); // NotFoundError
 * ```
 */
export function toOmnibusError(error: unknown, operation: string, entity?: string): OmnibusError {
  if (OmnibusError.isInstance(error)) return error;
  const code = grpcCode(error);
  const details = detailsOf(error);
  if (code === GrpcCode.NOT_FOUND)
    return new NotFoundError(entity ?? `Pub/Sub resource (${details})`, { cause: error });
  const name = code === undefined ? 'network error' : (NAMES.get(code) ?? `code ${code}`);
  const where = entity ? ` on ${entity}` : '';
  if (code === GrpcCode.PERMISSION_DENIED || code === GrpcCode.UNAUTHENTICATED) {
    return new ConfigurationError(
      'credentials',
      `${operation}${where} was refused (${name}: ${details}); check the project id, credentials and IAM roles`,
      { cause: error },
    );
  }
  return new TransportError(GCP_PROVIDER, `${operation}${where} failed (${name}: ${details})`, {
    cause: error,
    retryable: isRetryableGrpc(error),
  });
}
