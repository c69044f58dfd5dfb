/**
 * AWS SDK errors mapped to Omnibus's typed errors: a missing queue or topic is a {@link NotFoundError}; throttling,
 * 5xx answers and network failures are a retryable {@link TransportError}; missing credentials or region are a
 * {@link ConfigurationError}; anything else the service refuses is a non-retryable {@link AwsRequestError}.
 * Messages name the operation and entity, never a body or a credential.
 *
 * @example
 * ```ts
 * try { await sqs.send(cmd); } catch (e) { throw toOmnibusError(e, 'SendMessageBatch', 'queue "billing"'); }
 * ```
 * @module
 */
import {
  ConfigurationError,
  NotFoundError,
  OmnibusError,
  type OmnibusErrorOptions,
  TransportError,
} from '../../core/errors.js';

/**
 * A request AWS refused for a reason retrying will not fix (bad parameter, access denied, …).
 *
 * @example
 * ```ts
 * if (AwsRequestError.isInstance(err)) console.log(err.awsCode, err.operation);
 * ```
 */
export class AwsRequestError extends OmnibusError {
  static readonly code = 'AWS_REQUEST_FAILED';
  /** The AWS error code, e.g. `InvalidParameterValue`, `AccessDenied`. */
  readonly awsCode: string;
  /** The API operation, e.g. `SendMessageBatch`. */
  readonly operation: string;
  constructor(operation: string, awsCode: string, message: string, options: OmnibusErrorOptions = {}) {
    super(AwsRequestError.code, `aws: ${operation} failed: ${awsCode}: ${message}`, {
      retryable: false,
      ...options,
    });
    this.awsCode = awsCode;
    this.operation = operation;
  }
  static override isInstance(value: unknown): value is AwsRequestError {
    return OmnibusError.isInstance(value) && value.code === AwsRequestError.code;
  }
}

const NOT_FOUND = new Set([
  'QueueDoesNotExist',
  'AWS.SimpleQueueService.NonExistentQueue',
  'NonExistentQueue',
  'NotFound',
  'NotFoundException',
  'ResourceNotFoundException',
]);

const TRANSIENT = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'ServiceUnavailable',
  'InternalError',
  'InternalFailure',
  'InternalServerError',
  'KMSThrottlingException',
  'TransactionInProgressException',
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
  'UND_ERR_SOCKET',
]);

interface SdkErrorShape {
  name?: unknown;
  code?: unknown;
  Code?: unknown;
  message?: unknown;
  $fault?: unknown;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

/**
 * The AWS error code of an SDK error (`name` in SDK v3), or `Unknown`.
 *
 * @example
 * ```ts
 * awsErrorCode(err); // 'QueueDoesNotExist'
 * ```
 */
export function awsErrorCode(error: unknown): string {
  const e = (error ?? {}) as SdkErrorShape;
  for (const v of [e.name, e.Code, e.code]) if (typeof v === 'string' && v !== '' && v !== 'Error') return v;
  return 'Unknown';
}

/**
 * True when the error is an abort of the request (the caller's signal), not a failure.
 *
 * @example
 * ```ts
 * if (isAbort(err)) return [];
 * ```
 */
export function isAbort(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return name === 'AbortError' || name === 'RequestAbortedError';
}

function messageOf(error: unknown): string {
  const m = (error as SdkErrorShape | null)?.message;
  return typeof m === 'string' && m !== '' ? m : String(error);
}

/**
 * Maps any error from an AWS call to an {@link OmnibusError}. `entity` names what the call was about, e.g.
 * `queue "billing" (SQS billing.fifo)`.
 *
 * @example
 * ```ts
 * toOmnibusError(err, 'ReceiveMessage', 'queue "billing"'); // NotFoundError when the queue is missing
 * ```
 */
export function toOmnibusError(error: unknown, operation: string, entity: string): OmnibusError {
  if (OmnibusError.isInstance(error)) return error;
  const e = (error ?? {}) as SdkErrorShape;
  const code = awsErrorCode(error);
  const message = messageOf(error);
  if (NOT_FOUND.has(code)) return new NotFoundError(entity, { cause: error });
  if (code === 'CredentialsProviderError') {
    return new ConfigurationError(
      'credentials',
      `no AWS credentials found by the SDK's default chain (${message}); set them in the environment, a profile, or options.credentials`,
      { cause: error },
    );
  }
  if (/region is missing/i.test(message)) {
    return new ConfigurationError('region', 'no AWS region: set AWS_REGION or options.region', {
      cause: error,
    });
  }
  const status = typeof e.$metadata?.httpStatusCode === 'number' ? e.$metadata.httpStatusCode : undefined;
  const transient =
    TRANSIENT.has(code) ||
    e.$fault === 'server' ||
    e.$retryable !== undefined ||
    (status !== undefined && (status >= 500 || status === 429)) ||
    (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) ||
    NETWORK_CODES.has(code);
  if (transient)
    return new TransportError('aws', `${operation} on ${entity} failed: ${code}: ${message}`, {
      cause: error,
    });
  return new AwsRequestError(operation, code, `${message} (${entity})`, { cause: error });
}

/**
 * The error of one failed batch entry: a sender fault is final, anything else may pass on a retry.
 *
 * @example
 * ```ts
 * entryError('SendMessageBatch', 'queue "billing"', { Code: 'InvalidParameterValue', SenderFault: true });
 * ```
 */
export function entryError(
  operation: string,
  entity: string,
  entry: { Code?: string | undefined; Message?: string | undefined; SenderFault?: boolean | undefined },
): OmnibusError {
  const code = entry.Code ?? 'Unknown';
  const message = entry.Message ?? 'no message';
  if (NOT_FOUND.has(code)) return new NotFoundError(entity);
  if (entry.SenderFault === true) return new AwsRequestError(operation, code, `${message} (${entity})`);
  return new TransportError('aws', `${operation} on ${entity}: ${code}: ${message}`);
}
