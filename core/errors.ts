/**
 * Typed errors. Every error Omnibus raises is an {@link OmnibusError} with a stable `code`, a `retryable` flag and
 * an optional `cause`. `isInstance` works across copies of the package (it checks a symbol marker, not the prototype).
 *
 * @example
 * ```ts
 * try { await bus.send(orders, hugeOrder); }
 * catch (err) { if (LimitError.isInstance(err)) console.log(err.field, err.limit); }
 * ```
 * @module
 */

const marker = Symbol.for('omnibus.error');
const codeMarker = Symbol.for('omnibus.error.code');

/** Options shared by every Omnibus error. */
export interface OmnibusErrorOptions {
  /** The underlying error, if any. */
  readonly cause?: unknown;
  /** Whether retrying the same operation can succeed. */
  readonly retryable?: boolean;
}

/**
 * Base class of every Omnibus error.
 *
 * @example
 * ```ts
 * if (OmnibusError.isInstance(err) && !err.retryable) deadLetter(err);
 * ```
 */
export class OmnibusError extends Error {
  /** Stable, machine-readable code, e.g. `LIMIT_EXCEEDED`. */
  readonly code: string;
  /** Whether retrying can succeed. */
  readonly retryable: boolean;
  readonly [marker] = true;

  constructor(code: string, message: string, options: OmnibusErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable ?? false;
    (this as Record<symbol, unknown>)[codeMarker] = code;
  }

  /** True for any Omnibus error, from any copy of the package. */
  static isInstance(value: unknown): value is OmnibusError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[marker] === true;
  }
}

function hasCode(value: unknown, code: string): boolean {
  return OmnibusError.isInstance(value) && (value as unknown as Record<symbol, unknown>)[codeMarker] === code;
}

/** One problem found by a Standard Schema validator. */
export interface ValidationIssue {
  readonly message: string;
  readonly path?: readonly (string | number | symbol)[] | undefined;
}

/**
 * A body or option failed validation (schema issues, malformed JSON, bad attribute). Never retryable.
 *
 * @example
 * ```ts
 * if (ValidationError.isInstance(err)) console.log(err.issues.map((i) => i.message));
 * ```
 */
export class ValidationError extends OmnibusError {
  static readonly code = 'VALIDATION_FAILED';
  /** Which input failed: `body`, `attributes.price`, `options.delay` … */
  readonly field: string;
  /** The validator's issues. */
  readonly issues: readonly ValidationIssue[];
  constructor(field: string, issues: readonly ValidationIssue[], options: OmnibusErrorOptions = {}) {
    const summary = issues.map(
      (i) => (i.path?.length ? `${i.path.map(String).join('.')}: ` : '') + i.message,
    );
    super(ValidationError.code, `${field} is invalid: ${summary.join('; ') || 'unknown issue'}`, {
      ...options,
      retryable: false,
    });
    this.field = field;
    this.issues = issues;
  }
  static override isInstance(value: unknown): value is ValidationError {
    return hasCode(value, ValidationError.code);
  }
}

/**
 * A provider limit would be exceeded (message size, attribute count, batch size, delay …). Raised before sending.
 *
 * @example
 * ```ts
 * // LimitError: body is 307200 bytes, over the 262144-byte limit of memory (strict default)
 * ```
 */
export class LimitError extends OmnibusError {
  static readonly code = 'LIMIT_EXCEEDED';
  /** The field over the limit, e.g. `body`, `attributes`, `attributes.k`, `delaySeconds`. */
  readonly field: string;
  /** The offending value (a size, a count …). */
  readonly actual: number;
  /** The limit. */
  readonly limit: number;
  /** The provider whose limit this is. */
  readonly provider: string;
  constructor(field: string, actual: number, limit: number, provider: string, unit = 'bytes') {
    super(
      LimitError.code,
      `${field} is ${actual} ${unit}, over the ${limit}-${unit.replace(/s$/, '')} limit of ${provider}`,
      { retryable: false },
    );
    this.field = field;
    this.actual = actual;
    this.limit = limit;
    this.provider = provider;
  }
  static override isInstance(value: unknown): value is LimitError {
    return hasCode(value, LimitError.code);
  }
}

/**
 * A declared option the adapter cannot honour, natively or by emulation. Raised at startup.
 *
 * @example
 * ```ts
 * // CapabilityError: gcp cannot honour "maxAttempts: 2" on queue "billing": native dead-lettering needs 5–100
 * ```
 */
export class CapabilityError extends OmnibusError {
  static readonly code = 'CAPABILITY_MISSING';
  readonly provider: string;
  readonly feature: string;
  constructor(provider: string, feature: string, detail: string) {
    super(CapabilityError.code, `${provider} cannot honour ${feature}: ${detail}`, { retryable: false });
    this.provider = provider;
    this.feature = feature;
  }
  static override isInstance(value: unknown): value is CapabilityError {
    return hasCode(value, CapabilityError.code);
  }
}

/**
 * A queue, topic or subscription does not exist on the provider (run `bus.provision()`).
 *
 * @example
 * ```ts
 * if (NotFoundError.isInstance(err)) await bus.provision();
 * ```
 */
export class NotFoundError extends OmnibusError {
  static readonly code = 'ENTITY_NOT_FOUND';
  readonly entity: string;
  constructor(entity: string, options: OmnibusErrorOptions = {}) {
    super(NotFoundError.code, `${entity} does not exist (create it with bus.provision())`, {
      ...options,
      retryable: false,
    });
    this.entity = entity;
  }
  static override isInstance(value: unknown): value is NotFoundError {
    return hasCode(value, NotFoundError.code);
  }
}

/**
 * Configuration is missing or wrong (unknown adapter, bad option, missing region …).
 *
 * @example
 * ```ts
 * // ConfigurationError: OMNIBUS_ADAPTER is "sqs"; expected one of memory, aws, gcp, azure
 * ```
 */
export class ConfigurationError extends OmnibusError {
  static readonly code = 'CONFIGURATION_INVALID';
  readonly field: string;
  constructor(field: string, message: string, options: OmnibusErrorOptions = {}) {
    super(ConfigurationError.code, `${field}: ${message}`, { ...options, retryable: false });
    this.field = field;
  }
  static override isInstance(value: unknown): value is ConfigurationError {
    return hasCode(value, ConfigurationError.code);
  }
}

/**
 * A transient provider or network failure; retrying can succeed.
 *
 * @example
 * ```ts
 * throw new TransportError('aws', 'SendMessageBatch failed', { cause: err });
 * ```
 */
export class TransportError extends OmnibusError {
  static readonly code = 'TRANSPORT_FAILED';
  readonly provider: string;
  constructor(provider: string, message: string, options: OmnibusErrorOptions = {}) {
    super(TransportError.code, `${provider}: ${message}`, { retryable: true, ...options });
    this.provider = provider;
  }
  static override isInstance(value: unknown): value is TransportError {
    return hasCode(value, TransportError.code);
  }
}

/**
 * Throw from a handler to skip the retries and dead-letter the message at once.
 *
 * @example
 * ```ts
 * if (!order.customerId) throw new NonRetryableError('order has no customer');
 * ```
 */
export class NonRetryableError extends OmnibusError {
  static readonly code = 'NON_RETRYABLE';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(NonRetryableError.code, message, { ...options, retryable: false });
  }
  static override isInstance(value: unknown): value is NonRetryableError {
    return hasCode(value, NonRetryableError.code);
  }
}

/**
 * True when an error thrown by a handler must not be retried: Omnibus errors with `retryable: false`
 * (validation, non-retryable) and any error with a truthy `nonRetryable` property.
 *
 * @example
 * ```ts
 * isNonRetryable(new NonRetryableError('bad')); // true
 * ```
 */
export function isNonRetryable(error: unknown): boolean {
  if (ValidationError.isInstance(error) || NonRetryableError.isInstance(error)) return true;
  return (
    typeof error === 'object' && error !== null && (error as { nonRetryable?: unknown }).nonRetryable === true
  );
}
