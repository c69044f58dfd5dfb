/**
 * The broker's own checks on what it is given, as a strict cloud would make them: batch count and bytes, message
 * size, attribute names, count and sizes, ordering key and dedup id, delays and lease lengths. The bus checks all of
 * this before sending; the memory broker checks again so a core bug or a hand-written driver call fails here the way
 * it would fail on a cloud.
 *
 * @example
 * ```ts
 * const error = messageProblem(message, caps, { ordered: false }); // undefined, or the LimitError/ValidationError
 * ```
 * @module
 */
import { type AttributeValue, attributeValueBytes } from '../../core/attributes.js';
import type { Capabilities, DriverMessage } from '../../core/driver.js';
import { LimitError, type OmnibusError, ValidationError } from '../../core/errors.js';
import { checkMessage, messageBytes } from '../../core/limits.js';

/**
 * Throws when a batch is over the count or byte limit (the whole call fails, like SQS's
 * `TooManyEntriesInBatchRequest` and `BatchRequestTooLong`). Messages that are themselves over the message limit are
 * left out of the byte total: they fail on their own, with their own outcome.
 *
 * @example
 * ```ts
 * checkBatch(elevenMessages, caps); // throws LimitError: messages is 11 messages, over the 10-message limit of memory
 * ```
 */
export function checkBatch(messages: readonly DriverMessage[], caps: Capabilities): void {
  const l = caps.limits;
  if (messages.length > l.maxBatchCount) {
    throw new LimitError('messages', messages.length, l.maxBatchCount, caps.provider, 'messages');
  }
  let bytes = 0;
  for (const m of messages) {
    const size = messageBytes(m, l.attributesCountInSize);
    // A message over the message limit gets its own outcome (see messageProblem) and is not counted here.
    if (size <= l.maxMessageBytes) bytes += size;
  }
  if (bytes > l.maxBatchBytes) throw new LimitError('batch', bytes, l.maxBatchBytes, caps.provider);
}

function attributeProblem(name: string, value: unknown, caps: Capabilities): OmnibusError | undefined {
  const l = caps.limits;
  const where = `attributes.${name}`;
  const lower = name.toLowerCase();
  for (const prefix of l.reservedAttributePrefixes) {
    if (lower.startsWith(prefix.toLowerCase())) {
      return new ValidationError(where, [
        { message: `names starting with "${prefix}" are reserved by the provider` },
      ]);
    }
  }
  if (!l.attributeNamePattern.test(name)) {
    return new ValidationError(where, [
      { message: `is not a legal attribute name (${String(l.attributeNamePattern)})` },
    ]);
  }
  const nameBytes = Buffer.byteLength(name, 'utf8');
  if (nameBytes > l.maxAttributeNameBytes) {
    return new LimitError(`${where} (name)`, nameBytes, l.maxAttributeNameBytes, caps.provider);
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return new ValidationError(where, [{ message: 'numbers must be finite' }]);
  } else if (typeof value !== 'string' && !(value instanceof Uint8Array)) {
    return new ValidationError(where, [
      {
        message: `must be a string, a finite number or a Uint8Array, got ${value === null ? 'null' : typeof value}`,
      },
    ]);
  }
  const bytes = attributeValueBytes(value as AttributeValue);
  if (bytes > l.maxAttributeValueBytes)
    return new LimitError(where, bytes, l.maxAttributeValueBytes, caps.provider);
  return undefined;
}

/**
 * Checks a number of seconds against a range: a ValidationError when negative or not a number, a LimitError when
 * over the maximum. Returns the problem, or undefined.
 *
 * @example
 * ```ts
 * secondsProblem('delaySeconds', 901, 0, 900, 'memory'); // LimitError
 * ```
 */
export function secondsProblem(
  field: string,
  value: number,
  min: number,
  max: number,
  provider: string,
): OmnibusError | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    return new ValidationError(field, [
      { message: `must be a number from ${min} to ${max}, got ${String(value)}` },
    ]);
  }
  if (value > max) return new LimitError(field, value, max, provider, 'seconds');
  return undefined;
}

/**
 * Checks one message: body type, size, attributes (every one, Omnibus's own included, counted against the total),
 * ordering key (required on ordered targets), dedup id, delay. Returns the problem, or undefined.
 *
 * @example
 * ```ts
 * messageProblem({ body: 'x', attributes: { 'AWS.x': '1' } }, caps, { ordered: false }); // ValidationError
 * ```
 */
export function messageProblem(
  message: DriverMessage,
  caps: Capabilities,
  target: { readonly ordered: boolean },
): OmnibusError | undefined {
  const body = message.body as unknown;
  if (typeof body !== 'string' && !(body instanceof Uint8Array)) {
    return new ValidationError('body', [{ message: 'must be a string or a Uint8Array' }]);
  }
  const attributes = (message.attributes ?? {}) as Record<string, unknown>;
  const names = Object.keys(attributes);
  if (names.length > caps.limits.maxAttributes) {
    return new LimitError('attributes', names.length, caps.limits.maxAttributes, caps.provider, 'attributes');
  }
  for (const name of names) {
    const problem = attributeProblem(name, attributes[name], caps);
    if (problem) return problem;
  }
  try {
    checkMessage(message, caps, 'body');
  } catch (error) {
    return error as OmnibusError;
  }
  if (target.ordered && (typeof message.orderingKey !== 'string' || message.orderingKey === '')) {
    return new ValidationError('orderingKey', [{ message: 'is required on an ordered queue or topic' }]);
  }
  if (message.delaySeconds !== undefined) {
    const problem = secondsProblem(
      'delaySeconds',
      message.delaySeconds,
      0,
      caps.delay.maxSeconds,
      caps.provider,
    );
    if (problem) return problem;
    if (target.ordered && message.delaySeconds > 0 && !caps.delay.onOrdered) {
      return new ValidationError('delaySeconds', [
        { message: 'per-message delays are refused on ordered entities (like SQS FIFO)' },
      ]);
    }
  }
  return undefined;
}
