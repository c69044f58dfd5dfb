/**
 * Body encoding: the user's body as it is on the wire (JSON text, plain text or bytes), never wrapped.
 *
 * @example
 * ```ts
 * encodeBody('json', { id: 1 }, 'body'); // '{"id":1}'
 * decodeBody('json', '{"id":1}');        // { id: 1 }
 * ```
 * @module
 */
import type { BodyFormat } from './declarations.js';
import { ValidationError } from './errors.js';

const decoder = new TextDecoder('utf-8', { fatal: false });

/**
 * Encodes a body for the wire; throws {@link ValidationError} naming `field` when the body does not fit the format.
 *
 * @example
 * ```ts
 * encodeBody('text', 'hello', 'body'); // 'hello'
 * ```
 */
export function encodeBody(format: BodyFormat, body: unknown, field: string): string | Uint8Array {
  if (format === 'json') {
    let text: string | undefined;
    try {
      text = JSON.stringify(body);
    } catch (cause) {
      throw new ValidationError(field, [
        { message: `cannot be serialized to JSON: ${(cause as Error).message}` },
      ]);
    }
    if (text === undefined)
      throw new ValidationError(field, [{ message: 'cannot be serialized to JSON (undefined)' }]);
    return text;
  }
  if (format === 'text') {
    if (typeof body !== 'string')
      throw new ValidationError(field, [{ message: 'must be a string (format: text)' }]);
    return body;
  }
  if (!(body instanceof Uint8Array)) {
    throw new ValidationError(field, [{ message: 'must be a Uint8Array or Buffer (format: binary)' }]);
  }
  return body;
}

/**
 * Decodes a body from the wire; malformed JSON is a {@link ValidationError}, never a crash.
 *
 * @example
 * ```ts
 * decodeBody('binary', 'aGk='); // Uint8Array of the UTF-8 bytes of 'aGk=' (drivers hand bytes for binary)
 * ```
 */
export function decodeBody(format: BodyFormat, raw: string | Uint8Array): unknown {
  if (format === 'binary') return typeof raw === 'string' ? new Uint8Array(Buffer.from(raw, 'utf8')) : raw;
  const text = typeof raw === 'string' ? raw : decoder.decode(raw);
  if (format === 'text') return text;
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new ValidationError('body', [{ message: `is not valid JSON: ${(cause as Error).message}` }], {
      cause,
    });
  }
}

/**
 * Byte length of an encoded body.
 *
 * @example
 * ```ts
 * bodyBytes('é'); // 2
 * ```
 */
export function bodyBytes(body: string | Uint8Array): number {
  return typeof body === 'string' ? Buffer.byteLength(body, 'utf8') : body.byteLength;
}
