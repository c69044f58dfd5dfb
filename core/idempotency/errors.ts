/**
 * Errors of the idempotency layer. Both are non-retryable: the retry middleware dead-letters the message at once
 * with reason `non-retryable` and the error's name and message in the envelope.
 *
 * @example
 * ```ts
 * if (IdempotencyKeyReusedError.isInstance(message.deadLetter?.error)) … // or check envelope.error.name
 * ```
 * @module
 */
import { OmnibusError } from '../errors.js';

/** Longest idempotency key accepted, in characters (DynamoDB and Azure Table keys cap near 1 KiB). */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 512;

function hasCode(value: unknown, code: string): boolean {
  return OmnibusError.isInstance(value) && value.code === code;
}

/**
 * A key was reused with a different payload: the record under `key` was made from a body whose hash differs from
 * this message's. Usually a publisher bug (two different messages given the same key). Never retryable.
 *
 * @example
 * ```ts
 * // IdempotencyKeyReusedError: the idempotency key was already used with a different payload (record completed) …
 * ```
 */
export class IdempotencyKeyReusedError extends OmnibusError {
  static readonly code = 'IDEMPOTENCY_KEY_REUSED';
  /** Read by `isNonRetryable`: dead-letter at once. */
  readonly nonRetryable = true;
  /** The store key. */
  readonly key: string;
  /** Status of the record that holds the key. */
  readonly recordStatus: 'in-progress' | 'completed';
  /** Hash stored on the record, and this message's hash. */
  readonly storedHash: string;
  readonly payloadHash: string;
  constructor(
    key: string,
    recordStatus: 'in-progress' | 'completed',
    storedHash: string,
    payloadHash: string,
  ) {
    super(
      IdempotencyKeyReusedError.code,
      // The key stays out of the message (it may come from the body, and messages reach logs); see `key`.
      `the idempotency key was already used with a different payload (record ${recordStatus}); ` +
        `stored hash ${storedHash.slice(0, 19)}…, this message ${payloadHash.slice(0, 19)}…`,
      { retryable: false },
    );
    this.key = key;
    this.recordStatus = recordStatus;
    this.storedHash = storedHash;
    this.payloadHash = payloadHash;
  }
  static override isInstance(value: unknown): value is IdempotencyKeyReusedError {
    return hasCode(value, IdempotencyKeyReusedError.code);
  }
}

/**
 * The key function returned something unusable (not a string, empty, or longer than
 * {@link MAX_IDEMPOTENCY_KEY_LENGTH}). Never retryable: the same body gives the same key.
 *
 * @example
 * ```ts
 * // IdempotencyKeyError: idempotency.key is empty; expected 1–512 characters
 * ```
 */
export class IdempotencyKeyError extends OmnibusError {
  static readonly code = 'IDEMPOTENCY_KEY_INVALID';
  readonly nonRetryable = true;
  /** Always `idempotency.key`. */
  readonly field = 'idempotency.key';
  /** The limit on the key's length. */
  readonly limit = MAX_IDEMPOTENCY_KEY_LENGTH;
  constructor(problem: string, options: { cause?: unknown } = {}) {
    super(
      IdempotencyKeyError.code,
      `idempotency.key ${problem}; expected a string of 1–${MAX_IDEMPOTENCY_KEY_LENGTH} characters`,
      { ...options, retryable: false },
    );
  }
  static override isInstance(value: unknown): value is IdempotencyKeyError {
    return hasCode(value, IdempotencyKeyError.code);
  }
}

/**
 * Checks a key: a string of 1–{@link MAX_IDEMPOTENCY_KEY_LENGTH} characters; throws {@link IdempotencyKeyError}.
 *
 * @example
 * ```ts
 * assertIdempotencyKey('o-1'); // ok
 * assertIdempotencyKey('');    // throws IdempotencyKeyError
 * ```
 */
export function assertIdempotencyKey(key: unknown): asserts key is string {
  if (typeof key !== 'string') {
    const kind = key === null ? 'null' : key === undefined ? 'missing (undefined)' : `of type ${typeof key}`;
    throw new IdempotencyKeyError(`is ${kind}`);
  }
  if (key.length === 0) throw new IdempotencyKeyError('is empty');
  if (key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
    throw new IdempotencyKeyError(`is ${key.length} characters, over the limit`);
  }
}
