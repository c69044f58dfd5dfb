/**
 * Body schemas: any validator implementing Standard Schema (zod, valibot, arktype …).
 *
 * @example
 * ```ts
 * import { z } from 'zod';
 * const orders = defineQueue('orders', { schema: z.object({ id: z.string() }) });
 * ```
 * @module
 */
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { ValidationError } from './errors.js';

export type { StandardSchemaV1 };

/** The output type of a Standard Schema, or `unknown` without one. */
export type InferOutput<S> = S extends StandardSchemaV1<unknown, infer O> ? O : unknown;
/** The input type of a Standard Schema, or `unknown` without one. */
export type InferInput<S> = S extends StandardSchemaV1<infer I, unknown> ? I : unknown;

/**
 * Validates `value` against `schema`; returns the schema's output or throws {@link ValidationError}.
 *
 * @example
 * ```ts
 * const order = await validate(orderSchema, JSON.parse(text), 'body');
 * ```
 */
export async function validate<S extends StandardSchemaV1>(
  schema: S,
  value: unknown,
  field = 'body',
): Promise<StandardSchemaV1.InferOutput<S>> {
  let result = schema['~standard'].validate(value);
  if (result instanceof Promise) result = await result;
  if (result.issues) {
    throw new ValidationError(
      field,
      result.issues.map((i) => ({
        message: i.message,
        path: i.path?.map((p) => (typeof p === 'object' ? p.key : p)) as
          | (string | number | symbol)[]
          | undefined,
      })),
    );
  }
  return result.value as StandardSchemaV1.InferOutput<S>;
}
