/**
 * The dead-letter envelope: why a message was dead-lettered, carried in ONE attribute next to the original body and
 * attributes (both untouched). Trimmed (stack first, then error message) to the provider's per-value limit.
 *
 * @example
 * ```ts
 * const env = readEnvelope(message.attributes); // { reason: 'max-attempts', attempts: 5, error: { name, message } … }
 * ```
 * @module
 */
import { type Attributes, DEAD_LETTER_ATTRIBUTE } from './attributes.js';

/** The envelope fields. */
export interface DeadLetterEnvelope {
  readonly reason: string;
  readonly error: { readonly name: string; readonly message: string; readonly stack?: string } | undefined;
  readonly attempts: number;
  /** Queue name or `topic/subscription` the message came from. */
  readonly source: string;
  readonly handler: string;
  /** ISO times. */
  readonly firstFailureAt: string;
  readonly lastFailureAt: string;
  /** Id of the message as it was on the source. */
  readonly originalId: string;
  /** How many times it has been redriven back to its source before. */
  readonly redrives: number;
}

function describeError(error: unknown): DeadLetterEnvelope['error'] {
  if (error === undefined) return undefined;
  if (error instanceof Error) {
    return error.stack === undefined
      ? { name: error.name, message: error.message }
      : { name: error.name, message: error.message, stack: error.stack };
  }
  return { name: 'NonError', message: String(error) };
}

/**
 * Builds an envelope from a failure.
 *
 * @example
 * ```ts
 * buildEnvelope({ reason: 'non-retryable', error, attempts: 1, source: 'billing', handler: 'bill', … });
 * ```
 */
export function buildEnvelope(
  input: Omit<DeadLetterEnvelope, 'error'> & { readonly error?: unknown },
): DeadLetterEnvelope {
  return { ...input, error: describeError(input.error) };
}

/**
 * Serializes the envelope within `maxBytes`: drops the stack, then shortens the error message, then the reason.
 *
 * @example
 * ```ts
 * encodeEnvelope(envelope, 1024).length <= 1024; // true
 * ```
 */
export function encodeEnvelope(envelope: DeadLetterEnvelope, maxBytes: number): string {
  let text = JSON.stringify(envelope);
  if (Buffer.byteLength(text) <= maxBytes) return text;
  let e: DeadLetterEnvelope = envelope;
  if (e.error?.stack !== undefined) {
    const { stack, ...rest } = e.error;
    // keep as much of the stack as fits
    const withoutStack = { ...e, error: rest };
    const room =
      maxBytes - Buffer.byteLength(JSON.stringify({ ...withoutStack, error: { ...rest, stack: '' } }));
    e = room > 40 ? { ...e, error: { ...rest, stack: truncate(stack, room) } } : withoutStack;
    text = JSON.stringify(e);
    if (Buffer.byteLength(text) <= maxBytes) return text;
    e = withoutStack;
  }
  if (e.error) {
    const room = maxBytes - Buffer.byteLength(JSON.stringify({ ...e, error: { ...e.error, message: '' } }));
    e = { ...e, error: { ...e.error, message: truncate(e.error.message, Math.max(0, room)) } };
    text = JSON.stringify(e);
    if (Buffer.byteLength(text) <= maxBytes) return text;
  }
  const room = maxBytes - Buffer.byteLength(JSON.stringify({ ...e, reason: '' }));
  return JSON.stringify({ ...e, reason: truncate(e.reason, Math.max(0, room)) });
}

function truncate(text: string, maxBytes: number): string {
  // JSON escaping can grow text; leave margin and cut by characters until it fits.
  let out = text;
  while (out.length > 0 && Buffer.byteLength(JSON.stringify(out)) - 2 > maxBytes) {
    out = out.slice(0, Math.max(0, Math.floor(out.length * 0.9) - 1));
  }
  return out.length < text.length ? `${out.slice(0, Math.max(0, out.length - 1))}…` : out;
}

/**
 * Reads the envelope from a dead-lettered message's attributes, or undefined when it has none.
 *
 * @example
 * ```ts
 * readEnvelope({ omnibus_dead_letter: '{"reason":"validation",…}' })?.reason; // 'validation'
 * ```
 */
export function readEnvelope(attributes: Attributes): DeadLetterEnvelope | undefined {
  const value = attributes[DEAD_LETTER_ATTRIBUTE];
  if (typeof value !== 'string') return undefined;
  try {
    return JSON.parse(value) as DeadLetterEnvelope;
  } catch {
    return undefined;
  }
}
