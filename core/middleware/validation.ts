/**
 * Decoding and schema validation on receive. Malformed JSON and schema failures become a {@link ValidationError},
 * which the retry middleware dead-letters at once with the issues as the reason.
 *
 * @example
 * ```ts
 * compose([retry(opts), validation({ format: 'json', schema: Order })], handler);
 * ```
 * @module
 */
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { decodeBody } from '../codec.js';
import type { BodyFormat } from '../declarations.js';
import type { Middleware } from '../message.js';
import { validate } from '../schema.js';

/** Options of {@link validation}. */
export interface ValidationOptions {
  readonly format: BodyFormat;
  readonly schema: StandardSchemaV1 | undefined;
}

/**
 * Decodes `rawBody` and validates it; the next handler sees the schema's output as `body`.
 *
 * @example
 * ```ts
 * validation({ format: 'json', schema: undefined }); // decode only
 * ```
 */
export function validation(options: ValidationOptions): Middleware {
  return (next) => async (message) => {
    const decoded = decodeBody(options.format, message.rawBody);
    const body = options.schema ? await validate(options.schema, decoded, 'body') : decoded;
    return next({ ...message, body });
  };
}
